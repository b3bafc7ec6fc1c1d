"""Schema validation of written objects against the kubernetes-validate (strict) schemas.

kubernetes_validate.validate() re-reads 1.8 MB of definitions on every call; here the
definitions registry and one compiled validator per kind are built once and reused.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources as importlib_resources
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import referencing
from referencing.jsonschema import DRAFT202012

from opsconsole.sandbox import errors
from opsconsole.sandbox.resources import ResourceType

Obj = dict[str, Any]

SCHEMA_DIR = "kubernetes-json-schema/v1.37.0-local-strict"


def _load(name: str) -> Any:
    path = importlib_resources.files("kubernetes_validate").joinpath(f"{SCHEMA_DIR}/{name}")
    return json.loads(path.read_text())


@functools.cache
def _registry() -> referencing.Registry[Any]:
    definitions = referencing.Resource.from_contents(
        _load("_definitions.json"), default_specification=DRAFT202012
    )
    return definitions @ referencing.Registry()


@functools.cache
def _validator(api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
    slug = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = _load(f"{kind.lower()}-{slug}.json")
    except FileNotFoundError:
        return None
    registry = (
        referencing.Resource.from_contents(schema, default_specification=DRAFT202012) @ _registry()
    )
    cls = jsonschema.validators.Draft202012Validator
    validator: jsonschema.protocols.Validator = cls(schema, registry=registry)
    return validator


def _field(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out


def _cause(err: jsonschema.ValidationError) -> Obj:
    field = _field(err.absolute_path)
    if err.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", err.message)
        name = missing[0] if missing else "?"
        return {
            "reason": "FieldValueRequired",
            "message": "Required value",
            "field": f"{field}.{name}" if field else name,
        }
    if err.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", err.message)
        name = extra[0] if extra else "?"
        return {
            "reason": "FieldValueInvalid",
            "message": f'unknown field "{name}"',
            "field": f"{field}.{name}" if field else name,
        }
    if err.validator == "enum":
        return {
            "reason": "FieldValueNotSupported",
            "message": f"Unsupported value: {err.message}",
            "field": field,
        }
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {err.message}",
        "field": field,
    }


def warm() -> None:
    """Load the definitions ahead of the first request (about a second)."""
    _registry()


def validate(rt: ResourceType, obj: Obj) -> None:
    """Raise 422 Invalid with one cause per problem, as the API server answers."""
    meta = obj.get("metadata") or {}
    name = str(meta.get("name") or meta.get("generateName") or "")
    causes: list[Obj] = []
    validator = _validator(rt.api_version, rt.kind)
    if validator is not None:
        # Status is the server's to write, so it is not what a client's write is judged by.
        spec_part = {k: v for k, v in obj.items() if k != "status"}
        for err in sorted(validator.iter_errors(spec_part), key=lambda e: list(map(str, e.path)))[
            :20
        ]:
            causes.append(_cause(err))
    if causes:
        raise errors.invalid(rt.kind, name, rt.group, causes)
