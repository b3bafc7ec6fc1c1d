"""Printing cached rows as kubectl prints them: ages like 3d4h, 500m cores, 64Gi."""

from __future__ import annotations

import time
from typing import Any

from django import template

from opsconsole.cluster.kinds import kind_for
from opsconsole.workloads.columns import Column

register = template.Library()


@register.filter
def age(stamp: float | int | None) -> str:
    """Seconds since an epoch time, in kubectl's short form: 45s, 12m, 3h5m, 6d."""
    if not stamp:
        return "<unknown>"
    return duration(time.time() - float(stamp))


@register.filter
def duration(seconds: float | int | None) -> str:
    if seconds is None:
        return ""
    s = max(0, int(seconds))
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    return f"{days}d" if days < 365 * 2 else f"{days // 365}y"


@register.filter
def binary_bytes(value: float | int | None) -> str:
    amount = float(value or 0)
    for unit in ("", "Ki", "Mi", "Gi", "Ti", "Pi"):
        if amount < 1024 or unit == "Pi":
            return f"{amount:.0f}{unit}" if amount == int(amount) else f"{amount:.1f}{unit}"
        amount /= 1024
    return str(value)


@register.filter
def cores(value: float | int | None) -> str:
    amount = float(value or 0)
    return f"{amount:g}" if amount >= 1 or amount == 0 else f"{amount * 1000:.0f}m"


@register.filter
def percent(part: float | int | None, whole: float | int | None) -> int:
    return round(100 * float(part or 0) / float(whole)) if whole else 0


@register.simple_tag
def cell(row: dict[str, Any], column: Column) -> str:
    value = row.get(column.field)
    fmt = column.format
    if fmt in ("age", "ago"):
        return age(value) if value else "<none>" if fmt == "ago" else "<unknown>"
    if fmt == "duration":
        return duration(value) if value else ""
    if fmt == "list":
        return ", ".join(str(v) for v in value or []) or "<none>"
    if fmt == "bytes":
        return binary_bytes(value)
    if fmt == "cores":
        return cores(value)
    if fmt == "number":
        return f"{float(value or 0):g}"
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


_GOOD = {"Running", "Healthy", "Ready", "Complete", "Completed", "Succeeded", "Bound", "Active",
         "Normal", "Steady", "Scheduled", "Available"}  # fmt: skip
_WARN = {"Pending", "Progressing", "Scaling", "Terminating", "ContainerCreating", "AtMaximum",
         "Paused", "Suspended", "ScaledDown", "PodInitializing", "Warning"}  # fmt: skip


@register.filter
def status_class(word: str | None) -> str:
    """ok / warn / bad for a status word, so trouble stands out in every list."""
    text = str(word or "")
    if text in _GOOD:
        return "status-ok"
    if text in _WARN or text.startswith("Init:"):
        return "status-warn"
    if text in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        return ""
    return "status-bad"


@register.filter
def kind_name(plural: str) -> str:
    """The Kind a kubectl plural names (statefulsets → StatefulSet), as the API spells it."""
    kind = kind_for(plural)
    return kind.kind if kind is not None else plural
