"""Exports hold exactly the rows of the filtered view, streamed, as CSV or JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import StreamingHttpResponse

from opsconsole.audit.models import AuditEvent
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record
from tests.helpers.audit import events
from tests.helpers.web import ids_on, signed_in

QUERIES = ["", "verb=deployment.scale", "namespace=staging&outcome=denied", "q=engine", "kind=user"]


@pytest.fixture
def log(operator: User, viewer: User) -> None:
    for i in range(7):
        record(
            "deployment.scale",
            outcome=Outcome.SUCCEEDED if i % 2 else Outcome.DENIED,
            actor=operator if i % 3 else viewer,
            target_kind="deployment",
            target_namespace="staging" if i % 2 else "trading-system",
            target_name="trading-engine" if i < 4 else "api-service",
            parameters={"replicas": i},
            before={"replicas": i - 1},
            after={"replicas": i},
        )


def _body(response: Any) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()  # type: ignore[arg-type]


@pytest.mark.parametrize("query", QUERIES)
def test_the_csv_holds_the_rows_the_list_shows(log: None, viewer: User, query: str) -> None:
    client = signed_in(viewer)
    listed = ids_on(client.get(f"/audit/?{query}").content.decode())
    response = client.get(f"/audit/export.csv?{query}")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert [int(row["id"]) for row in rows] == listed


@pytest.mark.parametrize("query", QUERIES)
def test_the_jsonl_holds_the_rows_the_list_shows(log: None, viewer: User, query: str) -> None:
    client = signed_in(viewer)
    listed = ids_on(client.get(f"/audit/?{query}").content.decode())
    lines = _body(client.get(f"/audit/export.jsonl?{query}")).splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["id"] for row in rows] == listed


def test_jsonl_rows_carry_every_field_and_the_hashes(log: None, viewer: User) -> None:
    body = _body(signed_in(viewer).get("/audit/export.jsonl?verb=deployment.scale"))
    row = json.loads(body.splitlines()[0])
    event = AuditEvent.objects.get(pk=row["id"])
    assert row["hash"] == event.hash
    assert row["prev_hash"] == event.prev_hash
    assert row["parameters"] == event.parameters
    assert row["after"] == event.after
    assert row["time"].endswith("Z")


def test_the_export_is_itself_recorded(log: None, viewer: User) -> None:
    response = signed_in(viewer).get("/audit/export.csv?verb=deployment.scale")
    _body(response)
    (event,) = events(verb="audit.export")
    assert event.actor_name == "vera"
    assert event.parameters["format"] == "csv"
    assert event.parameters["filters"] == "verb=deployment.scale"


def test_a_formula_in_a_user_name_is_defused_in_the_csv(viewer: User) -> None:
    record(
        "auth.sign_in_failed",
        outcome=Outcome.DENIED,
        target_kind="user",
        target_name='=HYPERLINK("http://evil.example","x")',
    )
    rows = list(csv.DictReader(io.StringIO(_body(signed_in(viewer).get("/audit/export.csv")))))
    names = [row["target_name"] for row in rows if row["verb"] == "auth.sign_in_failed"]
    assert names == ['\'=HYPERLINK("http://evil.example","x")']


def test_invalid_filters_export_nothing(viewer: User) -> None:
    assert signed_in(viewer).get("/audit/export.csv?since=yesterday").status_code == 400
