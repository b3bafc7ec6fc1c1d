"""Request helpers shared by every app."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting exactly OPSCONSOLE_TRUSTED_PROXIES hops of
    X-Forwarded-For: entries left of those are client-supplied and could be forged."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    hops = settings.OPSCONSOLE_TRUSTED_PROXIES
    if hops <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if len(forwarded) < hops:
        # Did not come through the whole proxy chain: only the socket address is known.
        return remote
    return forwarded[-hops]
