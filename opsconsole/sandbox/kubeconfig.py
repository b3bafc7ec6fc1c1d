"""The kubeconfig the sandbox writes for kubectl and the console.

The current context `sandbox` is the admin; `sandbox-<account>` is each of the console's
ServiceAccounts (`kubectl --context sandbox-opsconsole-web …`).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml

from opsconsole.sandbox.auth import ADMIN_TOKEN, CONSOLE_ACCOUNTS, sa_token

CONTEXT = "sandbox"


def write(path: Path, url: str, ca: bytes | None = None) -> None:
    users: list[dict[str, Any]] = [{"name": "sandbox-admin", "user": {"token": ADMIN_TOKEN}}]
    contexts: list[dict[str, Any]] = [
        {
            "name": CONTEXT,
            "context": {
                "cluster": CONTEXT,
                "user": "sandbox-admin",
                "namespace": "trading-system",
            },
        }
    ]
    for namespace, name in CONSOLE_ACCOUNTS:
        users.append({"name": name, "user": {"token": sa_token(namespace, name)}})
        contexts.append(
            {
                "name": f"{CONTEXT}-{name}",
                "context": {"cluster": CONTEXT, "user": name, "namespace": namespace},
            }
        )
    cluster: dict[str, Any] = {"server": url}
    if ca is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": cluster}],
        "users": users,
        "contexts": contexts,
        "current-context": CONTEXT,
        "preferences": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
