"""The kubeconfig the sandbox writes for kubectl and the console."""

from __future__ import annotations

from pathlib import Path

import yaml

CONTEXT = "sandbox"


def write(path: Path, url: str) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {"server": url}}],
        "users": [{"name": "sandbox-admin", "user": {"token": "sandbox"}}],
        "contexts": [
            {
                "name": CONTEXT,
                "context": {
                    "cluster": CONTEXT,
                    "user": "sandbox-admin",
                    "namespace": "trading-system",
                },
            }
        ],
        "current-context": CONTEXT,
        "preferences": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
