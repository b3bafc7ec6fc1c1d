"""The console's sections, in navigation order. A section whose page is not built yet
is shown but not linked, so the navigation never leads to a dead end."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Section:
    label: str
    url_name: str

    @property
    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


SECTIONS = (
    Section("Overview", "overview"),
    Section("Workloads", "workloads:list"),
    Section("Runs", "runs:list"),
    Section("Metrics", "observability:metrics"),
    Section("Alerts", "observability:alerts"),
    Section("Audit", "audit:list"),
)
