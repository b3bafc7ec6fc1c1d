"""Names, labels, annotations, selectors and object metadata, with apimachinery's messages
(util/validation/validation.go, api/validate/content, api/validation/objectmeta.go)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from opsconsole.sandbox.validation.field import (
    Errors,
    Struct,
    forbidden,
    invalid,
    required,
    too_long,
)

Obj = dict[str, Any]

_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + "(\\." + _LABEL_FMT + ")*"
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_VALUE_FMT = "(" + _KEY_FMT + ")?"
_LABEL_RE = re.compile(f"^{_LABEL_FMT}$")
_SUBDOMAIN_RE = re.compile(f"^{_SUBDOMAIN_FMT}$")
_DNS1035_RE = re.compile(f"^{_DNS1035_FMT}$")
_KEY_RE = re.compile(f"^{_KEY_FMT}$")
_VALUE_RE = re.compile(f"^{_VALUE_FMT}$")
_KEY_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character"
)
TOTAL_ANNOTATION_SIZE = 256 * 1024


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def _max_len(n: int, unit: str = "characters") -> str:
    return f"must be no more than {n} {unit}"


def dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(_max_len(63))
    if not _LABEL_RE.match(value):
        if _SUBDOMAIN_RE.match(value):
            errs.append("must not contain dots")
        else:
            errs.append(
                regex_error(
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                    "characters or '-', and must start and end with an alphanumeric character",
                    _LABEL_FMT,
                    "my-name",
                    "123-abc",
                )
            )
    return errs


def dns1123_subdomain(value: str, unit: str = "characters") -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(_max_len(253, unit))
    if not _SUBDOMAIN_RE.match(value):
        errs.append(
            regex_error(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                "characters, '-' or '.', and must start and end with an alphanumeric character",
                _SUBDOMAIN_FMT,
                "example.com",
            )
        )
    return errs


def dns1035_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(_max_len(63))
    if not _DNS1035_RE.match(value):
        errs.append(
            regex_error(
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character",
                _DNS1035_FMT,
                "my-name",
                "abc-123",
            )
        )
    return errs


def qualified_name(value: str) -> list[str]:
    """content.IsLabelKey: an optional DNS subdomain prefix and '/', then a 63-byte name."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs += ["prefix part " + m for m in dns1123_subdomain(prefix, "bytes")]
    else:
        return [
            "a valid label key "
            + regex_error(_KEY_MSG, _KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name.encode()) > 63:
        errs.append("name part " + _max_len(63, "bytes"))
    if not _KEY_RE.match(name):
        errs.append("name part " + regex_error(_KEY_MSG, _KEY_FMT, "MyName", "my.name", "123-abc"))
    return errs


def label_value(value: str) -> list[str]:
    errs = []
    if len(value.encode()) > 63:
        errs.append(_max_len(63, "bytes"))
    if not _VALUE_RE.match(value):
        errs.append(
            regex_error(
                "a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character",
                _VALUE_FMT,
                "MyValue",
                "my_value",
                "12345",
            )
        )
    return errs


def label_map(value: Any, path: str) -> Errors:
    """ValidateLabels: both key and value errors are reported at the map's path."""
    errs: Errors = []
    if not isinstance(value, dict):
        return errs
    for k, v in value.items():
        errs += [invalid(path, k, m) for m in qualified_name(str(k))]
        errs += [invalid(path, v, m) for m in label_value(str(v))]
    return errs


def annotation_map(value: Any, path: str) -> Errors:
    errs: Errors = []
    if not isinstance(value, dict):
        return errs
    for k in value:
        errs += [invalid(path, k, m) for m in qualified_name(str(k).lower())]
    size = sum(len(str(k).encode()) + len(str(v).encode()) for k, v in value.items())
    if size > TOTAL_ANNOTATION_SIZE:
        errs.append(too_long(path, TOTAL_ANNOTATION_SIZE))
    return errs


def label_selector(sel: Any, path: str) -> Errors:
    errs: Errors = []
    if not isinstance(sel, dict):
        return errs
    errs += label_map(sel.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(sel.get("matchExpressions") or []):
        p = f"{path}.matchExpressions[{i}]"
        op, values = expr.get("operator"), expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.append(
                    required(f"{p}.values", "must be specified when `operator` is 'In' or 'NotIn'")
                )
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(
                    forbidden(
                        f"{p}.values",
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    )
                )
        else:
            errs.append(invalid(f"{p}.operator", op, "not a valid selector operator"))
        errs += [
            invalid(f"{p}.key", expr.get("key"), m) for m in qualified_name(expr.get("key") or "")
        ]
        for j, v in enumerate(values):
            errs += [invalid(f"{p}.values[{j}]", v, m) for m in label_value(str(v))]
    return errs


def selector_struct(sel: Any) -> Any:
    """A LabelSelector as Go marshals it: matchLabels, then matchExpressions."""
    if not isinstance(sel, dict):
        return sel
    out = Struct()
    if sel.get("matchLabels"):
        out["matchLabels"] = dict(sel["matchLabels"])
    if sel.get("matchExpressions"):
        out["matchExpressions"] = [
            Struct(
                (k, e[k]) for k in ("key", "operator", "values") if isinstance(e, dict) and e.get(k)
            )
            for e in sel["matchExpressions"]
        ]
    return out


def immutable_selector(new: Any, old: Any) -> Errors:
    if new == old:
        return []
    return [invalid("spec.selector", selector_struct(new), "field is immutable")]


def selector_matches(sel: Any, lbls: Any) -> bool:
    """metav1.LabelSelectorAsSelector(sel).Matches(labels)."""
    if not isinstance(sel, dict):
        return True
    have = lbls if isinstance(lbls, dict) else {}
    for k, v in (sel.get("matchLabels") or {}).items():
        if have.get(k) != v:
            return False
    for expr in sel.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and have.get(key) not in values:
            return False
        if op == "NotIn" and key in have and have[key] in values:
            return False
        if op == "Exists" and key not in have:
            return False
        if op == "DoesNotExist" and key in have:
            return False
    return True


def selector_empty(sel: Any) -> bool:
    return not isinstance(sel, dict) or not (sel.get("matchLabels") or sel.get("matchExpressions"))


NameFn = Callable[[str], list[str]]


def _mask(prefix: str) -> str:
    """maskTrailingDash: a generateName may end in '-', since characters will follow it."""
    if len(prefix) > 1 and prefix.endswith("-"):
        return prefix[:-2] + "a"
    return prefix


def object_meta(meta: Obj, name_fn: NameFn | None, path: str = "metadata") -> Errors:
    """ValidateObjectMeta. The store generates a name from generateName after validation, so
    only the prefix is judged then (the real server judges the generated name too)."""
    errs: Errors = []
    name, prefix = meta.get("name"), meta.get("generateName")
    if prefix and name_fn is not None:
        errs += [invalid(f"{path}.generateName", prefix, m) for m in name_fn(_mask(str(prefix)))]
    if not name and not prefix:
        errs.append(required(f"{path}.name", "name or generateName is required"))
    elif name and name_fn is not None:
        errs += [invalid(f"{path}.name", name, m) for m in name_fn(str(name))]
    errs += label_map(meta.get("labels"), f"{path}.labels")
    errs += annotation_map(meta.get("annotations"), f"{path}.annotations")
    return errs


def template_meta(meta: Any, path: str) -> Errors:
    """A pod template's metadata: its labels and annotations."""
    if not isinstance(meta, dict):
        return []
    return label_map(meta.get("labels"), f"{path}.labels") + annotation_map(
        meta.get("annotations"), f"{path}.annotations"
    )
