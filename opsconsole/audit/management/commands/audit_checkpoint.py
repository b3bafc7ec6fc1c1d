from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from opsconsole.audit.checkpoint import write_checkpoint


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit chain head to the log and to "
        "AUDIT_CHECKPOINT_FILE (Celery beat does this every AUDIT_CHECKPOINT_SECONDS)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            line = write_checkpoint()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(line, sort_keys=True))
