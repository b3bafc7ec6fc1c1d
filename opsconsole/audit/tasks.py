from __future__ import annotations

from celery import shared_task

from opsconsole.audit import refusals
from opsconsole.audit.checkpoint import write_checkpoint


@shared_task(name="audit.checkpoint", ignore_result=True)
def checkpoint() -> None:
    """Celery beat's periodic checkpoint (CELERY_BEAT_SCHEDULE in settings). Lock windows
    that ended are recorded first, so the checkpoint covers their totals."""
    refusals.sweep()
    write_checkpoint()
