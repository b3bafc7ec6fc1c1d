"""A readable before/after diff: which keys changed, from what to what."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_MISSING = object()


@dataclass(frozen=True)
class Change:
    key: str
    old: str  # JSON text, "" when the key was added
    new: str  # JSON text, "" when the key was removed
    kind: str  # "changed" | "added" | "removed"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    # Nested objects become dotted keys (spec.replicas); lists stay whole values.
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix or "(value)": value}


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(before: Any, after: Any) -> list[Change]:
    """Changed, added and removed keys, in key order; unchanged keys are left out."""
    if before is None and after is None:
        return []
    old = _flatten(before) if before is not None else {}
    new = _flatten(after) if after is not None else {}
    result = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key, _MISSING), new.get(key, _MISSING)
        if a is _MISSING:
            result.append(Change(key, "", _text(b), "added"))
        elif b is _MISSING:
            result.append(Change(key, _text(a), "", "removed"))
        elif a != b:
            result.append(Change(key, _text(a), _text(b), "changed"))
    return result
