"""Links into the audit log for other apps' pages: a resource's or an action's trail."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse


def target_trail_url(kind: str, name: str, namespace: str = "") -> str:
    """Every event about one target, e.g. a Deployment's page links here."""
    query = {"kind": kind, "namespace": namespace, "name": name}
    return f"{reverse('audit:list')}?{urlencode({k: v for k, v in query.items() if v})}"


def related_trail_url(kind: str, related_id: str | int) -> str:
    """Every event of one action or run (record(..., related_kind=, related_id=))."""
    return f"{reverse('audit:list')}?{urlencode({'related': f'{kind}:{related_id}'}, safe=':')}"
