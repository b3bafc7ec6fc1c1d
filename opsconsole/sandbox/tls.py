"""A self-signed certificate for the sandbox's HTTPS port.

kubectl (client-go) sends a bearer token only to an `https://` server ("only try to read the
auth information if we are secure", clientcmd/client_config.go), so the per-identity contexts
of the kubeconfig need TLS. The key and certificate are made with the `openssl` binary at
start-up, held in memory by the SSL context, and the certificate goes into the kubeconfig as
`certificate-authority-data`. Without `openssl` the sandbox serves plain HTTP only.
"""

from __future__ import annotations

import logging
import shutil
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("opsconsole.sandbox")


@dataclass(frozen=True)
class Tls:
    context: ssl.SSLContext
    certificate: bytes  # PEM


def self_signed() -> Tls | None:
    openssl = shutil.which("openssl")
    if openssl is None:
        log.warning("sandbox: no openssl binary; serving HTTP only (kubectl sends no tokens)")
        return None
    with tempfile.TemporaryDirectory(prefix="sandbox-tls-") as tmp:
        key, cert = Path(tmp) / "key.pem", Path(tmp) / "cert.pem"
        subprocess.run(
            [
                openssl,
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "3650",
                "-subj",
                "/CN=sandbox",
                "-addext",
                "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        return Tls(context, cert.read_bytes())
