from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms

from opsconsole.cluster.logs import MAX_TAIL, LogOptions

SINCE_CHOICES = [
    ("", "all kept"),
    ("5m", "5 minutes"),
    ("1h", "1 hour"),
    ("6h", "6 hours"),
    ("24h", "24 hours"),
]
_SECONDS = {"5m": 300, "1h": 3600, "6h": 6 * 3600, "24h": 24 * 3600}
DEFAULT_TAIL = 500


class LogForm(forms.Form):
    container = forms.ChoiceField()
    tail = forms.IntegerField(min_value=1, max_value=MAX_TAIL, label="Last lines")
    since = forms.ChoiceField(choices=SINCE_CHOICES, required=False, label="Since")
    since_time = forms.DateTimeField(required=False, label="Or since (UTC)")
    previous = forms.BooleanField(required=False, label="Previous container")
    timestamps = forms.BooleanField(required=False, label="Timestamps")
    follow = forms.BooleanField(required=False, label="Follow")

    def __init__(self, data: Any, containers: list[str], default: str) -> None:
        # An address with no parameters is the default view, not an invalid form.
        merged = {"container": default, "tail": str(DEFAULT_TAIL), **data.dict()}
        super().__init__(merged)
        field = self.fields["container"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name) for name in containers]

    def options(self) -> LogOptions:
        data = self.cleaned_data
        since_time: datetime | None = data.get("since_time")
        if since_time is not None and since_time.tzinfo is None:
            since_time = since_time.replace(tzinfo=UTC)
        return LogOptions(
            container=data["container"],
            tail=data["tail"],
            previous=data["previous"],
            since_seconds=_SECONDS.get(data.get("since") or ""),
            since_time=since_time,
            timestamps=True,
        )


class FollowForm(forms.Form):
    container = forms.CharField(max_length=253)
    previous = forms.BooleanField(required=False)
    timestamps = forms.BooleanField(required=False)
    after = forms.RegexField(regex=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")


class DiffForm(forms.Form):
    old = forms.IntegerField(min_value=1, label="From revision")
    new = forms.IntegerField(min_value=1, label="To revision")
