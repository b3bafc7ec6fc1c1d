"""Streamed exports of a filtered view: CSV for spreadsheets, JSON Lines for tools."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from opsconsole.audit.canonical import format_time
from opsconsole.audit.models import AuditEvent

COLUMNS = (
    "id",
    "time",
    "actor_name",
    "role",
    "source_ip",
    "user_agent",
    "request_id",
    "verb",
    "target_kind",
    "target_namespace",
    "target_name",
    "outcome",
    "reason",
    "operator_reason",
    "related_kind",
    "related_id",
    "parameters",
    "before",
    "after",
    "prev_hash",
    "hash",
)
_JSON_COLUMNS = {"parameters", "before", "after"}
# A cell starting with one of these is a formula to a spreadsheet: a user name typed at the
# sign-in form must not run when an auditor opens the export.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def as_dict(event: AuditEvent) -> dict[str, Any]:
    row = {column: getattr(event, column) for column in COLUMNS}
    row["time"] = format_time(event.time)
    return row


def jsonl_lines(events: QuerySet[AuditEvent, AuditEvent]) -> Iterator[str]:
    for event in events.iterator(chunk_size=CHUNK):
        yield json.dumps(as_dict(event), ensure_ascii=False, sort_keys=False) + "\n"


class _Line:
    """csv.writer wants a file; this one hands back each written line."""

    def write(self, value: str) -> str:
        return value


def _cell(column: str, value: Any) -> str:
    if column in _JSON_COLUMNS:
        text = "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(events: QuerySet[AuditEvent, AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for event in events.iterator(chunk_size=CHUNK):
        row = as_dict(event)
        yield writer.writerow([_cell(column, row[column]) for column in COLUMNS])
