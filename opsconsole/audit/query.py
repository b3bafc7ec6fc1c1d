"""From the review page's query string to events: one filter function for the list and the
exports, and keyset pages on (time, id), newest first (never OFFSET: page 2000 of a million
events costs the same as page 1)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from opsconsole.audit.models import AuditEvent
from opsconsole.audit.outcome import Outcome

PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"(\d{1,19})\.(\d{1,19})")


class FilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150)
    verb = forms.CharField(
        required=False, max_length=64, help_text='exact, or a prefix ending in "*"'
    )
    kind = forms.CharField(required=False, max_length=64, label="Target kind")
    name = forms.CharField(required=False, max_length=253, label="Target name")
    namespace = forms.CharField(required=False, max_length=253)
    outcome = forms.ChoiceField(required=False, choices=[("", "any"), *Outcome.choices])
    since = forms.DateTimeField(required=False, label="From (UTC)")
    until = forms.DateTimeField(required=False, label="To (UTC)")
    q = forms.CharField(required=False, max_length=200, label="Search")
    related = forms.RegexField(
        required=False, regex=r"^[\w-]{1,32}:[\w.:-]{1,64}$", help_text="kind:id"
    )
    request = forms.CharField(required=False, max_length=64, label="Request id")
    unreviewed = forms.BooleanField(required=False, label="Not reviewed only")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("“From” is after “To”.")
        return cleaned


def filter_events(
    filters: Mapping[str, Any], reviewed_up_to: int = 0
) -> QuerySet[AuditEvent, AuditEvent]:
    """The events matching cleaned FilterForm data, newest first."""
    events = AuditEvent.objects.all()
    if filters.get("actor"):
        events = events.filter(actor_name=filters["actor"])
    verb = filters.get("verb") or ""
    if verb.endswith("*"):
        events = events.filter(verb__startswith=verb[:-1])
    elif verb:
        events = events.filter(verb=verb)
    if filters.get("kind"):
        events = events.filter(target_kind=filters["kind"])
    if filters.get("name"):
        events = events.filter(target_name=filters["name"])
    if filters.get("namespace"):
        events = events.filter(target_namespace=filters["namespace"])
    if filters.get("outcome"):
        events = events.filter(outcome=filters["outcome"])
    if filters.get("since"):
        events = events.filter(time__gte=filters["since"])
    if filters.get("until"):
        events = events.filter(time__lte=filters["until"])
    if filters.get("q"):
        # search_text is lower-cased in the database; the trigram index serves this LIKE.
        events = events.filter(search_text__contains=filters["q"].lower())
    if filters.get("related"):
        kind, _, related_id = filters["related"].partition(":")
        events = events.filter(related_kind=kind, related_id=related_id)
    if filters.get("request"):
        events = events.filter(request_id=filters["request"])
    if filters.get("unreviewed"):
        events = events.filter(id__gt=reviewed_up_to)
    return events.order_by("-time", "-id")


@dataclass(frozen=True)
class Cursor:
    time: datetime
    id: int

    @classmethod
    def of(cls, event: AuditEvent) -> Cursor:
        return cls(event.time, event.id)

    @classmethod
    def parse(cls, raw: str) -> Cursor | None:
        match = _CURSOR.fullmatch(raw or "")
        if not match:
            return None
        try:
            time = _EPOCH + timedelta(microseconds=int(match.group(1)))
        except OverflowError:
            return None
        return cls(time, int(match.group(2)))

    def __str__(self) -> str:
        # Microseconds since the epoch: exact, short, and safe in a URL.
        delta = self.time - _EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}.{self.id}"


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    older: Cursor | None  # pass as ?older= to get the next older page
    newer: Cursor | None  # pass as ?newer= to get the next newer page


def page_of(
    events: QuerySet[AuditEvent, AuditEvent],
    older: Cursor | None = None,
    newer: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    if newer is not None:
        # Walk up from the cursor, then show the page newest first like every other page.
        rows = list(
            events.filter(Q(time__gt=newer.time) | Q(time=newer.time, id__gt=newer.id))
            .filter(time__gte=newer.time)
            .order_by("time", "id")[: size + 1]
        )
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return Page(
            events=rows,
            older=Cursor.of(rows[-1]) if rows else None,
            newer=Cursor.of(rows[0]) if rows and more_newer else None,
        )
    if older is not None:
        # The redundant time__lte gives PostgreSQL an index range to start from.
        events = events.filter(Q(time__lt=older.time) | Q(time=older.time, id__lt=older.id)).filter(
            time__lte=older.time
        )
    rows = list(events[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return Page(
        events=rows,
        older=Cursor.of(rows[-1]) if rows and more_older else None,
        newer=Cursor.of(rows[0]) if rows and older is not None else None,
    )
