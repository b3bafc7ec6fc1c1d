"""The serviceaccounts/token subresource: `kubectl create token SA` posts a TokenRequest.

The answer is the request with its defaults (an hour; the API server's audience) and a status
holding the token and when it expires, as the real server's TokenREST answers. The token is
opaque; `subject()` says whom a token issued here stands for (while it is unexpired and its
ServiceAccount is the one it was issued for), for authentication to use.
"""

from __future__ import annotations

import secrets
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from opsconsole.sandbox import errors
from opsconsole.sandbox.httputil import Obj, Target, json_response, storage_type
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.store import now_iso

if TYPE_CHECKING:
    from opsconsole.sandbox.api import Api

AUDIENCE = "https://kubernetes.default.svc.cluster.local"
HOUR = 3600
# pkg/apis/authentication/validation: ValidateTokenRequest's bounds.
MIN_SECONDS, MAX_SECONDS = 600, 1 << 32


@dataclass(frozen=True)
class Issued:
    namespace: str
    name: str
    uid: str
    expires: datetime


# Per API server, so that one sandbox's tokens mean nothing to another in the same process.
_ISSUED: weakref.WeakKeyDictionary[Api, dict[str, Issued]] = weakref.WeakKeyDictionary()


def subject(api: Api, token: str) -> str | None:
    """`system:serviceaccount:NS:NAME` for a live token issued by this sandbox, else None."""
    issued = _ISSUED.get(api, {}).get(token)
    if issued is None or issued.expires <= datetime.now(UTC):
        return None
    account = api.store.get(preferred("", "serviceaccounts"), issued.namespace, issued.name)
    if account is None or account["metadata"].get("uid") != issued.uid:
        return None
    return f"system:serviceaccount:{issued.namespace}:{issued.name}"


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
    account = api.store.must_get(storage_type(t.rt), t.namespace or "", t.name)  # 404 as real
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
    token = f"sandbox-sa.{t.namespace}.{t.name}.{secrets.token_urlsafe(32)}"
    _ISSUED.setdefault(api, {})[token] = Issued(
        t.namespace or "", t.name, account["metadata"].get("uid", ""), expires
    )
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
                "token": token,
                "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        },
        status=201,
    )
