"""The canonical form of an audit event, which its hash covers.

Anyone can verify the chain without this code:

1. Take the event's fields named in HASHED_FIELDS (the database id, the actor link and the
   search column are not covered: the id is only the chain's order, the actor link is cleared
   when a user is deleted, and the search column is derived).
2. Write `time` as UTC ISO 8601 with microseconds and a Z: `2026-11-27T02:45:42.123456Z`.
   The JSON fields (`parameters`, `before`, `after`) stay JSON values (`before`/`after` may be
   null); a float with an integral value is written as an integer (PostgreSQL's jsonb reads
   `1e+20` back as `100000000000000000000`).
3. Serialize that object as JSON with keys sorted at every level, separators `,` and `:`,
   no whitespace, non-ASCII characters as themselves, and encode it as UTF-8.
4. `hash` = lowercase hex SHA-256 of those bytes. `prev_hash` (part of the object) is the
   `hash` of the event with the next lower id, or GENESIS for the first event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

HASHED_FIELDS = (
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
    "parameters",
    "before",
    "after",
    "outcome",
    "reason",
    "operator_reason",
    "related_kind",
    "related_id",
    "prev_hash",
)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _normalize(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _normalize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalize(item) for item in value]
    return value


def canonical_json(values: Mapping[str, Any]) -> bytes:
    return json.dumps(
        _normalize(dict(values)),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def hashed_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The covered fields out of a mapping of field values (a row or a model's __dict__)."""
    covered = {name: values[name] for name in HASHED_FIELDS}
    covered["time"] = format_time(covered["time"])
    return covered


def event_hash(values: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(hashed_values(values))).hexdigest()


def sign(payload: Mapping[str, Any], key: str) -> str:
    """HMAC-SHA256 (hex) of a checkpoint's canonical JSON under the checkpoint key."""
    return hmac.new(key.encode("utf-8"), canonical_json(payload), hashlib.sha256).hexdigest()
