"""Pure pieces whose edge cases are cheaper to pin here than through a cluster."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opsconsole.sandbox.controllers.batch import cron_matches
from opsconsole.sandbox.patch import strategic_merge
from opsconsole.sandbox.quantity import canonical


@pytest.mark.parametrize(
    ("schedule", "when", "fires"),
    [
        ("30 21 * * 1-5", datetime(2026, 11, 27, 21, 30, tzinfo=UTC), True),  # a Friday
        ("30 21 * * 1-5", datetime(2026, 11, 28, 21, 30, tzinfo=UTC), False),  # Saturday
        ("*/15 * * * *", datetime(2026, 1, 1, 3, 45, tzinfo=UTC), True),
        ("*/15 * * * *", datetime(2026, 1, 1, 3, 46, tzinfo=UTC), False),
        ("0 2 * * 0", datetime(2026, 11, 29, 2, 0, tzinfo=UTC), True),  # Sunday
        ("0 2 * * sun", datetime(2026, 11, 29, 2, 0, tzinfo=UTC), True),
        ("@hourly", datetime(2026, 1, 1, 7, 0, tzinfo=UTC), True),
        ("0 0 1,15 * *", datetime(2026, 3, 15, 0, 0, tzinfo=UTC), True),
    ],
)
def test_cron_schedules(schedule, when, fires):
    assert cron_matches(schedule, when) is fires


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("1000m", "1"),
        ("1500m", "1500m"),
        ("0.5", "500m"),
        ("1024Mi", "1Gi"),
        ("0.5Gi", "512Mi"),
        ("2G", "2G"),
        (2, "2"),
        ("100", "100"),
    ],
)
def test_quantities_are_canonical(given, expected):
    assert canonical(given) == expected


def test_strategic_merge_directives():
    current = {
        "spec": {
            "containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}],
            "tolerations": [{"key": "x"}],
        }
    }
    patch = {
        "spec": {
            "containers": [{"name": "b", "$patch": "delete"}, {"name": "c", "image": "2"}],
            "$setElementOrder/containers": [{"name": "a"}, {"name": "c"}],
            "tolerations": [{"key": "y"}],
        }
    }
    got = strategic_merge(current, patch)
    assert [c["name"] for c in got["spec"]["containers"]] == ["a", "c"]
    assert got["spec"]["tolerations"] == [{"key": "y"}]  # no merge key: replaced
    assert strategic_merge({"a": {"b": 1}}, {"a": {"$patch": "replace", "c": 2}}) == {"a": {"c": 2}}
