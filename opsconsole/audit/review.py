"""Review sign-off: an admin states that a range of events was reviewed."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from opsconsole.audit.models import AuditEvent, ReviewSignOff
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import lock_chain, record

# Counting a million unreviewed rows on every page view is wasted work; past this many the
# page just says "more than".
UNREVIEWED_COUNT_CAP = 10_000


class SignOffRefused(Exception):
    pass


def reviewed_up_to() -> int:
    """The id of the newest event covered by a sign-off (0 when there is none)."""
    last = ReviewSignOff.objects.order_by("-id").values_list("up_to_id", flat=True).first()
    return last or 0


def unreviewed_count(after_id: int) -> int:
    """Events newer than `after_id`, counted up to UNREVIEWED_COUNT_CAP + 1."""
    ids = AuditEvent.objects.filter(id__gt=after_id).order_by().values("id")
    return ids[: UNREVIEWED_COUNT_CAP + 1].count()


def sign_off(request: HttpRequest, up_to_id: int, note: str) -> ReviewSignOff:
    """Sign off every event after the last sign-off up to `up_to_id`, and record that.
    The caller checked the permission."""
    with transaction.atomic():
        # Under the chain lock, two admins cannot sign off overlapping ranges.
        lock_chain()
        after_id = reviewed_up_to()
        if up_to_id <= after_id:
            raise SignOffRefused(f"events up to #{after_id} are already signed off")
        if not AuditEvent.objects.filter(id=up_to_id).exists():
            raise SignOffRefused(f"there is no event #{up_to_id}")
        count = AuditEvent.objects.filter(id__gt=after_id, id__lte=up_to_id).count()
        event = record(
            "audit.sign_off",
            outcome=Outcome.SUCCEEDED,
            request=request,
            target_kind="audit_range",
            target_name=f"{after_id + 1}-{up_to_id}",
            parameters={"after_id": after_id, "up_to_id": up_to_id, "events": count},
            operator_reason=note,
        )
        return ReviewSignOff.objects.create(
            signed_by=event.actor,
            signed_by_name=event.actor_name,
            after_id=after_id,
            up_to_id=up_to_id,
            event_count=count,
            note=note,
            event=event,
        )
