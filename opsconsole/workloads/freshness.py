"""How fresh the cached rows are, in words the pages show above a list or the overview."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from opsconsole.workloads.cache import Cache


@dataclass(frozen=True)
class DataState:
    age: float | None = None  # seconds since the sync last heard from the API server
    errors: list[str] = field(default_factory=list)
    unavailable: str = ""  # the cache itself does not answer

    @property
    def never(self) -> bool:
        return self.age is None

    @property
    def stale(self) -> bool:
        return self.age is None or self.age > settings.OPSCONSOLE_SYNC_STALE_SECONDS

    @property
    def problem(self) -> bool:
        return bool(self.stale or self.errors or self.unavailable)


def data_state(cache: Cache, *plurals: str) -> DataState:
    """The oldest of the kinds' freshness, and every reason the sync gave for not reading."""
    ages: list[float | None] = []
    errors: list[str] = []
    for plural in plurals:
        fresh = cache.freshness(plural)
        ages.append(fresh.age)
        errors.extend(fresh.errors)
    if any(a is None for a in ages) or not ages:
        return DataState(None, errors)
    return DataState(max(a for a in ages if a is not None), errors)
