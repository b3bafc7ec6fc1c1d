from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from opsconsole.web.http import REQUEST_ID_HEADER, REQUEST_ID_META, new_request_id


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


class NoStoreMiddleware:
    """Signed-in responses may carry audit data or cluster state: no browser or proxy keeps
    them, so Back after sign-out shows nothing and a shared machine leaks nothing. Responses
    that set their own Cache-Control (static files, which WhiteNoise answers earlier) keep it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
