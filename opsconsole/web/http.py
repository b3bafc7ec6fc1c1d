"""Request helpers shared by every app."""

from __future__ import annotations

import re
import uuid

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


# Where RequestIdMiddleware keeps the request's id (META is typed; a new attribute is not).
REQUEST_ID_META = "opsconsole.request_id"
REQUEST_ID_HEADER = "X-Request-ID"
# An id the ingress set: short, printable, nothing that could smuggle markup or newlines.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")


def new_request_id(request: HttpRequest) -> str:
    """The ingress's X-Request-ID when a trusted proxy set a sane one, else a fresh uuid4.
    Without a trusted proxy the header comes from the client, who could reuse another
    request's id to muddle the audit trail, so it is ignored."""
    incoming = str(request.META.get("HTTP_X_REQUEST_ID", ""))
    if settings.OPSCONSOLE_TRUSTED_PROXIES > 0 and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def request_id(request: HttpRequest) -> str:
    """The id RequestIdMiddleware gave this request ("" outside a request cycle)."""
    return str(request.META.get(REQUEST_ID_META, ""))
