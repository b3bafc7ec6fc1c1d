"""The summaries' arithmetic: quantities and what the pods on a node request."""

from __future__ import annotations

from typing import Any

import pytest

from opsconsole.workloads import facts


@pytest.mark.parametrize(
    ("text", "value"),
    [("250m", 0.25), ("4", 4.0), ("1.5", 1.5), ("64Mi", 64 * 2**20), ("1Gi", 2**30),
     ("2k", 2000.0), ("500M", 5e8), ("nonsense", 0.0)],
)  # fmt: skip
def test_quantities_read_as_the_api_writes_them(text: str, value: float) -> None:
    assert facts.quantity(text) == pytest.approx(value)


def _pod(
    phase: str, containers: list[dict[str, str]], inits: tuple[dict[str, str], ...] = ()
) -> dict[str, Any]:
    return {
        "status": {"phase": phase},
        "spec": {
            "containers": [{"resources": {"requests": r}} for r in containers],
            "initContainers": [{"resources": {"requests": r}} for r in inits],
        },
    }


def test_requests_sum_running_pods_and_count_the_biggest_init_container() -> None:
    pods = [
        _pod("Running", [{"cpu": "100m", "memory": "64Mi"}, {"cpu": "150m"}]),
        _pod("Pending", [{"cpu": "1", "nvidia.com/gpu": "1"}], inits=({"cpu": "2"},)),
        _pod("Succeeded", [{"cpu": "8"}]),  # finished: holds nothing
    ]
    asked = facts.requested(pods)
    assert asked["cpu"] == pytest.approx(0.25 + 2)
    assert asked["memory"] == 64 * 2**20
    assert asked["nvidia.com/gpu"] == 1
    assert asked["pods"] == 2


def test_a_node_shows_requests_as_a_share_of_allocatable() -> None:
    node = {"status": {"capacity": {"cpu": "8"}, "allocatable": {"cpu": "4", "memory": "1Gi"}}}
    rows = {r.name: r for r in facts.node_resources(node, [_pod("Running", [{"cpu": "1"}])])}
    assert rows["cpu"].requested == "1"
    assert rows["cpu"].percent == "25%"
    assert rows["memory"].requested == "0Mi"
    assert rows["nvidia.com/gpu"].capacity == "—"


def test_ages_read_like_kubectls() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 3, 12, 0, 0, tzinfo=UTC)
    assert facts.age("2026-01-03T11:59:18Z", now) == "42s"
    assert facts.age("2026-01-03T11:55:00Z", now) == "5m"
    assert facts.age("2026-01-03T09:00:00Z", now) == "3h"
    assert facts.age("2026-01-01T12:00:00Z", now) == "2d"
    assert facts.age("", now) == ""


def test_usage_is_measured_against_requests_and_limits() -> None:
    resources = {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m"}}
    rows = {u.resource: u for u in facts.usage_of(resources, {"cpu": "190m", "memory": "32Mi"})}
    assert rows["cpu"].value == "190m"
    assert rows["cpu"].of_request == "190% of request"
    assert rows["cpu"].of_limit == "95% of limit"
    assert rows["cpu"].tone == "bad"  # at the limit: throttled soon
    assert rows["memory"].of_request == "50% of request"
    assert rows["memory"].of_limit == ""
    assert rows["memory"].tone == ""
    assert facts.usage_of({}, {"cpu": "5m"})[0].of_request == ""
