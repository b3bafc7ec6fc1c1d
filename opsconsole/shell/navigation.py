"""The console's sections, in navigation order. A section whose page is not built yet
is shown but not linked, so the navigation never leads to a dead end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def _no_args() -> tuple[str, ...]:
    return ()


def _first_namespace_deployments() -> tuple[str, ...]:
    return (settings.OPSCONSOLE_NAMESPACES[0], "deployments")


@dataclass(frozen=True)
class Section:
    label: str
    url_name: str
    args: Callable[[], tuple[str, ...]] = _no_args

    @property
    def url(self) -> str | None:
        try:
            return reverse(self.url_name, args=self.args())
        except NoReverseMatch:
            return None


SECTIONS = (
    Section("Overview", "overview"),
    Section("Workloads", "workloads:list", _first_namespace_deployments),
    Section("Runs", "runs:list"),
    Section("Metrics", "observability:metrics"),
    Section("Alerts", "observability:alerts"),
    Section("Audit", "audit:list"),
)
