"""The serviceaccounts/token subresource: `kubectl create token SA` posts a TokenRequest.

The answer is the request with its defaults (an hour; the API server's audience) and a status
holding the token and when it expires, as the real server's TokenREST answers. Nothing about
the token is stored: it is opaque here, and nothing in the sandbox checks bearer tokens.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from opsconsole.sandbox import errors
from opsconsole.sandbox.httputil import Obj, Target, json_response, storage_type
from opsconsole.sandbox.store import now_iso

if TYPE_CHECKING:
    from opsconsole.sandbox.api import Api

AUDIENCE = "https://kubernetes.default.svc.cluster.local"
HOUR = 3600
# pkg/apis/authentication/validation: ValidateTokenRequest's bounds.
MIN_SECONDS, MAX_SECONDS = 600, 1 << 32


def _cause(seconds: int, message: str) -> Obj:
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {seconds}: {message}",
        "field": "spec.expirationSeconds",
    }


async def create_token(api: Api, request: web.Request, t: Target) -> web.StreamResponse:
    if request.method != "POST":
        raise errors.method_not_allowed(request.method)
    assert t.name is not None
    api.store.must_get(storage_type(t.rt), t.namespace or "", t.name)  # 404 as the server
    body = await api.body(request, t.namespace)
    if not isinstance(body, dict) or body.get("kind") not in (None, "TokenRequest"):
        raise errors.bad_request("the request body must be a TokenRequest")
    spec: Obj = dict(body.get("spec") or {})
    spec["audiences"] = spec.get("audiences") or [AUDIENCE]
    seconds = spec.setdefault("expirationSeconds", HOUR)
    if not isinstance(seconds, int):
        raise errors.bad_request("spec.expirationSeconds must be an integer")
    causes = []
    if seconds < MIN_SECONDS:
        causes.append(_cause(seconds, "may not specify a duration less than 10 minutes"))
    if seconds > MAX_SECONDS:
        causes.append(_cause(seconds, "may not specify a duration larger than 2^32 seconds"))
    if causes:
        raise errors.invalid("TokenRequest", t.name, "authentication.k8s.io", causes)
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds)
    meta = {
        **(body.get("metadata") or {}),
        "name": t.name,
        "namespace": t.namespace,
        "creationTimestamp": now_iso(),
    }
    return json_response(
        {
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": meta,
            "spec": spec,
            "status": {
                "token": f"sandbox-sa.{t.namespace}.{t.name}.{secrets.token_urlsafe(32)}",
                "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        },
        status=201,
    )
