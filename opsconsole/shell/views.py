from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from opsconsole.web.http import HtmxHttpRequest


@require_GET
def overview(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "shell/overview.html")


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Pages name favicon.svg in <head>; this answers clients that ask for the old name."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
