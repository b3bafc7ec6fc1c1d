from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from opsconsole.web.http import HtmxHttpRequest
from opsconsole.workloads import overview as facts
from opsconsole.workloads.freshness import DataState

log = logging.getLogger(__name__)


@require_GET
def overview(request: HtmxHttpRequest) -> HttpResponse:
    """Every allowed namespace at a glance, from the cache the sync keeps (no API call)."""
    try:
        summary = facts.build(list(settings.OPSCONSOLE_NAMESPACES))
    except RedisError as exc:
        log.warning("cluster cache unavailable: %s", exc)
        summary = facts.Overview([], [], DataState(unavailable=type(exc).__name__))
    template = "shell/overview.html#body" if request.htmx else "shell/overview.html"
    return render(request, template, {"overview": summary})


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Pages name favicon.svg in <head>; this answers clients that ask for the old name."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
