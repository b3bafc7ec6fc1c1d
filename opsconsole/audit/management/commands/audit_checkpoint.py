from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from opsconsole.audit.checkpoint import write_checkpoint


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit chain head to the log and to "
        "AUDIT_CHECKPOINT_FILE (Celery beat does this every AUDIT_CHECKPOINT_SECONDS)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(write_checkpoint(), sort_keys=True))
