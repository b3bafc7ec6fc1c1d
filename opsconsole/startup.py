"""How every process starts: a refused configuration is one clear line and a non-zero exit.

Settings refuse what production must not run with (opsconsole/settings.py raises
ImproperlyConfigured). Left alone, manage.py, gunicorn and Celery would each print that
message at the end of a long traceback; operators reading a crash-looping pod's log need the
message alone.
"""

from __future__ import annotations

import os
import sys

# Distinct from 1 (a crash) so a supervisor or a test can tell a refusal apart.
REFUSED = 78  # EX_CONFIG in sysexits.h


def settings_or_exit() -> None:
    """Load the settings now; on a refusal, print its message and exit with EX_CONFIG."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsconsole.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 (the access is what loads the settings module)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"opsconsole: configuration refused: {exc}\n")
        sys.stderr.flush()
        raise SystemExit(REFUSED) from None
