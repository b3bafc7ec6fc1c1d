from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from opsconsole.core.http import REQUEST_ID_HEADER, REQUEST_ID_META, new_request_id


class HealthCheckMiddleware:
    """Answers the kubelet's probes on /healthz before host validation and TLS redirects,
    which would refuse a request addressed to the pod IP over plain HTTP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return HttpResponse("ok", content_type="text/plain")
        return self.get_response(request)


class RequestIdMiddleware:
    """Gives every request an id (the ingress's, when trusted) that audit events carry and the
    response returns in X-Request-ID, so a user's report can be matched to the log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = new_request_id(request)
        request.META[REQUEST_ID_META] = rid
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = rid
        return response
