from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opsconsole.audit.checkpoint import BadCheckpoint, Checkpoint, read_checkpoints
from opsconsole.audit.verify import verify_chain


class Command(BaseCommand):
    help = (
        "Check the audit chain: every event's hash covers its content and links to the event "
        "before it, and every signed checkpoint still matches. Exits 0 when whole; otherwise "
        "names the first event that does not match and exits 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            type=Path,
            help="checkpoint file to check against (default: AUDIT_CHECKPOINT_FILE), e.g. a "
            "copy kept off the cluster or extracted from the log archive",
        )

    def handle(self, *args: Any, checkpoints: Path | None, **options: Any) -> None:
        path = checkpoints or Path(settings.AUDIT_CHECKPOINT_FILE)
        signed: list[Checkpoint] = []
        if path.exists():
            try:
                signed = list(read_checkpoints(path))
            except BadCheckpoint as exc:
                raise CommandError(f"audit checkpoints do not verify: {exc}") from None
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from None
        elif checkpoints is not None:
            raise CommandError(f"{path} does not exist")
        else:
            self.stderr.write(f"No checkpoint file at {path}: checking the chain alone.")
        result = verify_chain(signed)
        if not result.ok:
            raise CommandError("audit chain broken: " + result.problems[0])
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain whole: {result.events} events, head id={result.head_id} "
                f"hash={result.head_hash}; {result.checkpoints} checkpoints match."
            )
        )
