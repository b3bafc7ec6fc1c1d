"""The cache's pages against a plain Python reference: filter, then sort as Redis orders
(value, then uid), then slice — on both of its ways (walking the index, or sorting a small
matching set)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from opsconsole.workloads import cache

STATUSES = ["Running"] * 90 + ["Pending"] * 6 + ["CrashLoopBackOff"] * 4


@pytest.fixture
def rows(empty_cache: None) -> list[dict[str, Any]]:
    rng = random.Random(7)
    made = [
        {
            "uid": f"uid-{i:04d}",
            "namespace": f"ns-{i % 3}",
            "name": f"{rng.choice(['api', 'engine', 'worker'])}-{rng.randrange(10**6):06d}",
            "labels": {"app": rng.choice("abc"), **({"canary": "yes"} if i % 17 == 0 else {})},
            "created": float(rng.randrange(10**6)),
            "status": rng.choice(STATUSES),
            "restarts": rng.randrange(4),
            "node": rng.choice(["n1", "n2", ""]),
        }
        for i in range(600)
    ]  # fmt: skip
    cache.RedisSink().replace_all("pods", None, iter(made))
    return made


def reference(
    rows: list[dict[str, Any]], scope: str, *, q: str = "", keep: Any = None,
    sort: str = "name", descending: bool = False, page: int = 1,
) -> tuple[int, list[str]]:  # fmt: skip
    chosen = [
        r for r in rows
        if (scope == cache.ALL or r["namespace"] == scope)
        and q in r["name"] and (keep is None or keep(r))
    ]  # fmt: skip
    chosen.sort(key=lambda r: (r[sort], r["uid"]), reverse=descending)
    return len(chosen), [r["uid"] for r in chosen][(page - 1) * 50 : page * 50]


CASES: list[tuple[dict[str, Any], Any]] = [
    ({}, None),
    ({"q": "eng"}, None),
    ({"q": "uid-00"}, None),  # in every uid, in no name: no match
    ({"q": "-0"}, None),  # in names and in uids
    ({"status": "Pending"}, lambda r: r["status"] == "Pending"),  # small set: sorted alone
    ({"status": "Running"}, lambda r: r["status"] == "Running"),  # large: the index walk
    ({"selector": "canary"}, lambda r: "canary" in r["labels"]),
    ({"selector": "app in (a,b),!canary"}, lambda r: r["labels"]["app"] != "c" and "canary" not in r["labels"]),  # noqa: E501
    ({"selector": "app!=a", "q": "er"}, lambda r: r["labels"]["app"] != "a"),
    ({"selector": "app notin (a)", "status": "CrashLoopBackOff"}, lambda r: r["labels"]["app"] != "a" and r["status"] == "CrashLoopBackOff"),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize("scope", [cache.ALL, "ns-1"])
@pytest.mark.parametrize(
    ("sort", "descending"),
    [("name", False), ("restarts", True), ("node", True), ("created", False)],
)
@pytest.mark.parametrize(("filters", "keep"), CASES)
def test_pages_match_the_reference(
    rows: list[dict[str, Any]], scope: str, sort: str, descending: bool,
    filters: dict[str, Any], keep: Any,
) -> None:  # fmt: skip
    reader = cache.Cache()
    for page in (1, 2, 5):
        got = reader.page("pods", scope, sort=sort, descending=descending, page=page, **filters)
        total, uids = reference(
            rows, scope, q=filters.get("q", ""), keep=keep, sort=sort, descending=descending,
            page=page,
        )  # fmt: skip
        assert got.total == total
        assert [r["uid"] for r in got.rows] == uids


def test_updates_move_rows_between_indexes(rows: list[dict[str, Any]]) -> None:
    sink, reader = cache.RedisSink(), cache.Cache()  # a new process: it has seen nothing
    before = reader.counts("pods", "ns-0")
    row = next(r for r in rows if r["namespace"] == "ns-0" and r["status"] == "Running")
    sink.upsert("pods", {**row, "status": "Pending", "labels": {"app": "z"}})
    after = reader.counts("pods", "ns-0")
    assert after["Running"] == before["Running"] - 1
    assert after["Pending"] == before.get("Pending", 0) + 1
    assert [r["uid"] for r in reader.page("pods", "ns-0", selector="app=z").rows] == [row["uid"]]
    assert (
        reader.page("pods", "ns-0", selector=f"app={row['labels']['app']}").total
        == len(
            [
                r
                for r in rows
                if r["namespace"] == "ns-0" and r["labels"]["app"] == row["labels"]["app"]
            ]
        )
        - 1
    )
    sink.delete("pods", row)
    assert reader.page("pods", cache.ALL).total == len(rows) - 1
    assert reader.page("pods", "ns-0", selector="app=z").total == 0
