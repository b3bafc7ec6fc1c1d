"""Kubernetes resource quantities ("500m", "2Gi") as numbers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SUFFIX = {
    "": 1.0,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
}
_RE = re.compile(r"^([0-9.]+)(e[0-9]+)?([a-zA-Z]*)$")


def parse(value: object) -> float:
    text = str(value).strip()
    m = _RE.match(text)
    if not m or m.group(3) not in _SUFFIX:
        return 0.0
    number = float(m.group(1)) * (10 ** int(m.group(2)[1:]) if m.group(2) else 1)
    return number * _SUFFIX[m.group(3)]


_BINARY = (("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10))
_DECIMAL = (
    ("E", 18),
    ("P", 15),
    ("T", 12),
    ("G", 9),
    ("M", 6),
    ("k", 3),
    ("", 0),
    ("m", -3),
    ("u", -6),
    ("n", -9),
)
_DEC_EXP = dict(_DECIMAL)
_BIN_EXP = dict(_BINARY)


def canonical(value: object) -> object:
    """The API server's canonical spelling: "1000m" → "1", "1024Mi" → "1Gi", 0.5 → "500m"."""
    m = re.match(r"^([0-9]*\.?[0-9]+)([a-zA-Z]*)$", str(value).strip())
    if not m or (m.group(2) not in _DEC_EXP and m.group(2) not in _BIN_EXP):
        return value
    try:
        number = Decimal(m.group(1))
    except InvalidOperation:
        return value
    suffix = m.group(2)
    if suffix in _BIN_EXP:
        total = number * (2 ** _BIN_EXP[suffix])
        if total == total.to_integral_value():
            whole = int(total)
            for name, exp in _BINARY:
                if whole and whole % (2**exp) == 0:
                    return f"{whole // 2**exp}{name}"
            return str(whole)
        number, suffix = total, ""
    total = number * (Decimal(10) ** _DEC_EXP[suffix])
    for name, exp in _DECIMAL:
        scaled = total / (Decimal(10) ** exp)
        if scaled == scaled.to_integral_value() and (scaled != 0 or exp == 0):
            return f"{int(scaled)}{name}"
    return value
