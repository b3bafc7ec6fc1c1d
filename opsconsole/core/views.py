from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opsconsole.core.http import HtmxHttpRequest


@require_GET
def overview(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "core/overview.html")
