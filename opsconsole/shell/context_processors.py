from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from opsconsole.shell.cluster_status import cluster_status
from opsconsole.shell.navigation import SECTIONS
from opsconsole.web.roles import role_of


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
