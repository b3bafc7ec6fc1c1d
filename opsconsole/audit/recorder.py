"""`record()`: the one way an audit event is written.

Service code calls it explicitly, inside the transaction of the change it records, so that
both commit or neither does: if the audit write fails, the change does not happen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from opsconsole.audit.canonical import GENESIS, event_hash
from opsconsole.audit.models import AuditEvent
from opsconsole.audit.outcome import Outcome
from opsconsole.web.http import client_ip, request_id
from opsconsole.web.roles import role_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Any constant works; it only has to be the same in every process that appends.
CHAIN_LOCK_KEY = 0x6F70_7361_7564_6974 & 0x7FFF_FFFF_FFFF_FFFF
_VERB = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
_USER_AGENT_MAX = 512


def lock_chain() -> None:
    """Serializes appends until the surrounding transaction ends, so two writers never link
    to the same predecessor. SQLite already runs one write transaction at a time (the
    settings open them IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text and jsonb; a hostile header must not break the write.
    return value.replace("\x00", "\ufffd")


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {_clean_text(key): _scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def _json(value: Any) -> Any:
    """The value as it will read back from the database (plain JSON types, string keys), so
    the hash taken now matches the one audit_verify computes from the stored row."""
    if value is None:
        return None
    return _scrub(json.loads(json.dumps(value, cls=DjangoJSONEncoder, allow_nan=False)))


def record(
    verb: str,
    *,
    outcome: Outcome | str,
    request: HttpRequest | None = None,
    actor: User | AnonymousUser | None = None,
    actor_name: str | None = None,
    target_kind: str = "",
    target_namespace: str = "",
    target_name: str = "",
    parameters: Mapping[str, Any] | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    operator_reason: str = "",
    related_kind: str = "",
    related_id: str | int = "",
) -> AuditEvent:
    """Append one event to the chain and return it.

    The actor is `actor`, else the request's user; `actor_name` overrides the snapshot of the
    name (for commands and tasks that act without a signed-in user). Source IP, user agent
    and request id come from the request. Secret values must never be passed in.

    Appends hold a lock until the caller's transaction ends: record at the end of the
    service transaction, after the slow parts, not before them.
    """
    if not _VERB.fullmatch(verb):
        raise ValueError(f"audit verb {verb!r} is not of the form 'area.action'")
    outcome = Outcome(outcome)
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    user = actor if actor is not None and actor.is_authenticated else None
    name = actor_name if actor_name is not None else (user.get_username() if user else "")
    event = AuditEvent(
        actor=user,
        actor_name=_clean_text(name)[:150],
        role=(role_of(user) or "") if user is not None else "",
        source_ip=client_ip(request)[:45] if request is not None else "",
        user_agent=_clean_text(str(request.META.get("HTTP_USER_AGENT", "")))[:_USER_AGENT_MAX]
        if request is not None
        else "",
        request_id=request_id(request) if request is not None else "",
        verb=verb,
        target_kind=_clean_text(target_kind)[:64],
        target_namespace=_clean_text(target_namespace)[:253],
        target_name=_clean_text(target_name)[:253],
        parameters=_json(dict(parameters or {})),
        before=_json(before),
        after=_json(after),
        outcome=outcome.value,
        reason=_clean_text(reason),
        operator_reason=_clean_text(operator_reason),
        related_kind=_clean_text(related_kind)[:32],
        related_id=_clean_text(str(related_id))[:64],
    )
    # A savepoint inside the caller's transaction, or a transaction of its own.
    with transaction.atomic():
        lock_chain()
        previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        # The time is taken under the lock, so time order follows chain order.
        event.time = timezone.now()
        event.prev_hash = previous or GENESIS
        event.hash = event_hash(event.__dict__)
        event.save()
    return event
