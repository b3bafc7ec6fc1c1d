"""Running manage.py, gunicorn or Celery as production starts them, in an environment without
the test run's settings variables."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers.cluster import REPO

STRONG_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_python("manage.py", *args, **env)


def run_python(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Python in the repository with a production environment: no keys, no hosts, no debug."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "SECRET_KEY_FILE",
            "ALLOWED_HOSTS",
            "DJANGO_DEBUG",
            "AUDIT_CHECKPOINT_KEY",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for the browser tests only
        }
        and not k.startswith("SECURE_")
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
