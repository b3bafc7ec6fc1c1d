from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from opsconsole.accounts.roles import role_of
from opsconsole.core.cluster import cluster_status
from opsconsole.core.navigation import SECTIONS


def console(request: HttpRequest) -> dict[str, object]:
    """What the page shell shows: sections, namespace, cluster, user and role."""
    if not request.user.is_authenticated:
        return {}
    return {
        "sections": SECTIONS,
        "namespace": settings.OPSCONSOLE_NAMESPACES[0],
        "namespaces": settings.OPSCONSOLE_NAMESPACES,
        "cluster": cluster_status(),
        "role": role_of(request.user),
    }
