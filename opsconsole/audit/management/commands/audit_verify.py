from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from opsconsole.audit.checkpoint import BadCheckpoint, Checkpoint, read_checkpoints
from opsconsole.audit.models import AuditEvent
from opsconsole.audit.verify import verify_chain


def checkpoint_interval() -> timedelta:
    """How often Celery beat writes a checkpoint: events older than this should have one."""
    schedule = settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]["schedule"]
    if not isinstance(schedule, int | float):
        raise ImproperlyConfigured("the audit-checkpoint schedule must be a number of seconds")
    return timedelta(seconds=schedule)


class Command(BaseCommand):
    help = (
        "Check the audit chain: every event's hash covers its content and links to the event "
        "before it, and every signed checkpoint still matches. Exits 0 when whole; otherwise "
        "names the first event that does not match and exits 1. A chain with events older "
        "than one checkpoint interval and no checkpoint to check it against is not reported "
        "whole (exit 1) unless --no-checkpoints-ok accepts a check by the hashes alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            type=Path,
            help="checkpoint file to check against (default: AUDIT_CHECKPOINT_FILE), e.g. a "
            "copy kept off the cluster or extracted from the log archive",
        )
        parser.add_argument(
            "--no-checkpoints-ok",
            action="store_true",
            help="accept a chain checked only by its own hashes when no checkpoint is found "
            "(a chain rewritten wholesale, every hash recomputed, then passes)",
        )

    def handle(
        self,
        *args: Any,
        checkpoints: Path | None,
        no_checkpoints_ok: bool,
        **options: Any,
    ) -> None:
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
        result = verify_chain(signed)
        if not result.ok:
            raise CommandError("audit chain broken: " + result.problems[0])
        summary = f"{result.events} events, head id={result.head_id} hash={result.head_hash}"
        if signed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain whole: {summary}; {result.checkpoints} checkpoints match."
                )
            )
            return
        where = "is empty" if path.exists() else "does not exist"
        oldest = AuditEvent.objects.order_by("id").values_list("time", flat=True).first()
        interval = checkpoint_interval()
        overdue = oldest is not None and oldest < timezone.now() - interval
        if overdue and not no_checkpoints_ok:
            assert oldest is not None
            raise CommandError(
                f"audit chain NOT verified: no checkpoint found ({path} {where}), yet the "
                f"oldest event ({oldest.isoformat()}) is older than one checkpoint interval "
                f"({int(interval.total_seconds())} s). Its hashes alone cannot show a chain "
                "rewritten wholesale. Point --checkpoints at the checkpoint file or a copy, "
                "or pass --no-checkpoints-ok to accept a check by the hashes only."
            )
        self.stdout.write(
            self.style.WARNING(
                f"Audit chain verified by its hashes only: {summary}. No checkpoint found "
                f"({path} {where})"
                + (
                    ", accepted by --no-checkpoints-ok; a chain rewritten wholesale would "
                    "pass this check."
                    if overdue
                    else "; none is due yet (every event is younger than one checkpoint interval)."
                )
            )
        )
