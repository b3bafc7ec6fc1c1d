"""Field errors as apimachinery's `field.Error` renders them (validation/field/errors.go).

`Error()` is `<field>: <body>`; the body is the type's phrase ("Invalid value", "Required
value", …), then for the types that carry one the bad value (numbers and booleans bare,
strings quoted, anything else as compact JSON), then `: <detail>` when there is one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Types whose body omits the value (errors.go: Required, Forbidden, TooLong, Internal).
_NO_VALUE = {"FieldValueRequired", "FieldValueForbidden", "FieldValueTooLong", "InternalError"}
_PHRASE = {
    "FieldValueNotFound": "Not found",
    "FieldValueRequired": "Required value",
    "FieldValueDuplicate": "Duplicate value",
    "FieldValueInvalid": "Invalid value",
    "FieldValueNotSupported": "Unsupported value",
    "FieldValueForbidden": "Forbidden",
    "FieldValueTooLong": "Too long",
    "FieldValueTooMany": "Too many",
    "InternalError": "Internal error",
}


class Struct(dict[str, Any]):
    """A Go struct's JSON: its fields in declaration order (plain dicts are maps: sorted)."""


def _json(value: Any) -> str:
    if isinstance(value, Struct):
        return "{" + ",".join(f"{_json(k)}:{_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_json(k)}:{_json(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def render(value: Any) -> str:
    """How ErrorBody prints a bad value: simple types bare, strings quoted, the rest as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # Go's %q for the strings we meet
    return _json(value)


@dataclass(frozen=True)
class FieldError:
    type: str
    field: str
    value: Any = ""
    detail: str = ""

    def body(self) -> str:
        text = _PHRASE[self.type]
        if self.type not in _NO_VALUE:
            text += f": {render(self.value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"

    def cause(self) -> dict[str, str]:
        return {"reason": self.type, "message": self.body(), "field": self.field}


Errors = list[FieldError]


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError("FieldValueInvalid", path, value, detail)


def required(path: str, detail: str = "") -> FieldError:
    return FieldError("FieldValueRequired", path, "", detail)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError("FieldValueForbidden", path, "", detail)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError("FieldValueDuplicate", path, value)


def not_supported(path: str, value: Any, valid: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(json.dumps(v) for v in valid) if valid else ""
    return FieldError("FieldValueNotSupported", path, value, detail)


def too_long(path: str, max_bytes: int) -> FieldError:
    return FieldError("FieldValueTooLong", path, "", f"may not be more than {max_bytes} bytes")


IMMUTABLE = "field is immutable"
NEGATIVE = "must be greater than or equal to 0"


def immutable(path: str, new: Any, old: Any) -> Errors:
    """ValidateImmutableField: the new value, then "field is immutable"."""
    return [] if new == old else [invalid(path, new, IMMUTABLE)]


def nonnegative(path: str, value: Any) -> Errors:
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [invalid(path, value, NEGATIVE)]
    return []
