"""Who is asking: bearer tokens, impersonation, and the attributes a request is authorized on.

The admin token `sandbox` is `system:masters`; every ServiceAccount the store holds has the
token `sandbox-sa.<namespace>.<name>` (the console's web and worker accounts come from
k8s/opsconsole.yaml). A request with no token is `system:anonymous`, one with a token the
sandbox does not know gets 401, as on a real API server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from opsconsole.sandbox import errors, protobuf, rbac
from opsconsole.sandbox.httputil import json_response, truthy
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.store import Store

Obj = dict[str, Any]

# Not secrets: the sandbox is loopback-only and these tokens are documented.
ADMIN_TOKEN = "sandbox"  # noqa: S105
SA_TOKEN_PREFIX = "sandbox-sa."  # noqa: S105
# The console's ServiceAccounts (k8s/opsconsole.yaml): the kubeconfig names each as a context.
CONSOLE_ACCOUNTS: tuple[tuple[str, str], ...] = (
    ("trading-system", "opsconsole-web"),
    ("trading-system", "opsconsole-sync"),
    ("trading-system", "opsconsole-worker"),
)
SA_PREFIX = "system:serviceaccount:"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
# Served without credentials: the sandbox's own control endpoints, probes and the scrape.
OPEN_PATHS = ("/sandbox", "/metrics", "/healthz", "/readyz", "/livez")


@dataclass(frozen=True)
class Identity:
    name: str
    groups: tuple[str, ...]
    uid: str = ""
    extra: dict[str, list[str]] = field(default_factory=dict, compare=False, hash=False)

    def user_info(self) -> Obj:
        info: Obj = {"username": self.name, "groups": list(self.groups)}
        if self.uid:
            info["uid"] = self.uid
        if self.extra:
            info["extra"] = self.extra
        return info


IDENTITY = web.RequestKey("identity", Identity)
ADMIN = Identity("sandbox-admin", ("system:masters", AUTHENTICATED))
ANONYMOUS = Identity("system:anonymous", (UNAUTHENTICATED,))


def sa_username(namespace: str, name: str) -> str:
    return f"{SA_PREFIX}{namespace}:{name}"


def sa_groups(namespace: str) -> tuple[str, ...]:
    return ("system:serviceaccounts", f"system:serviceaccounts:{namespace}")


def split_sa(username: str) -> tuple[str, str] | None:
    if not username.startswith(SA_PREFIX):
        return None
    ns, _, name = username[len(SA_PREFIX) :].partition(":")
    return (ns, name) if ns and name and ":" not in name else None


def sa_token(namespace: str, name: str) -> str:
    return f"{SA_TOKEN_PREFIX}{namespace}.{name}"


def token_for(identity: str) -> str:
    """`admin`, a console account (`opsconsole-web`), or `system:serviceaccount:NS:NAME`."""
    if identity in ("admin", ADMIN.name):
        return ADMIN_TOKEN
    for ns, name in CONSOLE_ACCOUNTS:
        if identity == name:
            return sa_token(ns, name)
    sa = split_sa(identity)
    if sa is None:
        raise ValueError(f"unknown sandbox identity {identity!r}")
    return sa_token(*sa)


def unauthorized() -> errors.ApiError:
    return errors.ApiError(401, "Unauthorized", "Unauthorized")


def authenticate(
    store: Store, header: str | None, issued: Callable[[str], str | None] | None = None
) -> Identity:
    """`issued` maps a token `kubectl create token` handed out (tokens.py) to its account."""
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized()
    if token == ADMIN_TOKEN:
        return ADMIN
    if token.startswith(SA_TOKEN_PREFIX):
        ns, _, name = token[len(SA_TOKEN_PREFIX) :].partition(".")
        sa = store.get(preferred("", "serviceaccounts"), ns, name)
        if sa is not None:
            groups = (*sa_groups(ns), AUTHENTICATED)
            return Identity(sa_username(ns, name), groups, sa["metadata"]["uid"])
    username = issued(token) if issued is not None else None
    account = split_sa(username) if username else None
    if account is not None:
        sa = store.get(preferred("", "serviceaccounts"), *account)
        if sa is not None:
            groups = (*sa_groups(account[0]), AUTHENTICATED)
            return Identity(sa_username(*account), groups, sa["metadata"]["uid"])
    raise unauthorized()


# -- the attributes of a request (k8s.io/apiserver RequestInfoFactory) -----------------------

_RESOURCE_VERBS = {
    "GET": "get",
    "HEAD": "get",
    "POST": "create",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}
_NAMESPACE_SUBRESOURCES = ("status", "finalize")


def request_attributes(user: Identity, method: str, path: str, query: Any) -> rbac.Attributes:
    parts = [p for p in path.split("/") if p]
    nonresource = rbac.Attributes(user, method.lower(), False, path)
    if not parts or parts[0] not in ("api", "apis"):
        return nonresource
    if parts[0] == "api":
        if len(parts) < 3:
            return nonresource
        group, version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) < 4:
            return nonresource
        group, version, rest = parts[1], parts[2], parts[3:]
    verb = _RESOURCE_VERBS.get(method, method.lower())
    if rest[0] == "watch":
        verb, rest = "watch", rest[1:]
        if not rest:
            return nonresource
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) >= 2 else ""
    sub = rest[2] if len(rest) >= 3 else ""
    if not name:
        if verb == "get":
            verb = "watch" if truthy(query.get("watch")) else "list"
        elif verb == "delete":
            verb = "deletecollection"
    return rbac.Attributes(user, verb, True, path, group, version, namespace, resource, sub, name)


# -- impersonation (k8s.io/apiserver filters/impersonation) ---------------------------------


def impersonate(store: Store, request: web.Request, requester: Identity) -> Identity:
    headers = request.headers
    as_user = headers.get("Impersonate-User", "")
    as_groups = headers.getall("Impersonate-Group", [])
    as_uid = headers.get("Impersonate-Uid", "")
    extras = [(k, v) for k, v in headers.items() if k.lower().startswith("impersonate-extra-")]
    if not (as_user or as_groups or as_uid or extras):
        return requester
    if not as_user:
        # Go's %v of the []ObjectReference requested (Kind Namespace Name UID APIVersion
        # ResourceVersion FieldPath), as buildImpersonationRequests words it.
        refs = [("Group", "", g, "", "", "", "") for g in as_groups]
        refs += [
            (
                "UserExtra",
                "",
                v,
                "",
                "authentication.k8s.io/v1",
                "",
                k[len("impersonate-extra-") :].lower(),
            )
            for k, v in extras
        ]
        if as_uid:
            refs.append(("UID", "", as_uid, "", "authentication.k8s.io/v1", "", ""))
        listed = " ".join("{" + " ".join(r) + "}" for r in refs)
        raise errors.bad_request(f"requested [{listed}] without impersonating a user")
    checks: list[rbac.Attributes] = []
    groups: list[str] = []
    sa = split_sa(as_user)
    if sa is not None:
        checks.append(_acting(requester, "serviceaccounts", sa[1], sa[0]))
        if not as_groups:
            groups = list(sa_groups(sa[0]))
    else:
        checks.append(_acting(requester, "users", as_user))
    for group in as_groups:
        checks.append(_acting(requester, "groups", group))
        groups.append(group)
    extra: dict[str, list[str]] = {}
    for key, value in extras:
        extra_key = key[len("impersonate-extra-") :].lower()
        attrs = _acting(requester, "userextras", value, group="authentication.k8s.io")
        attrs.subresource = extra_key
        checks.append(attrs)
        extra.setdefault(extra_key, []).append(value)
    if as_uid:
        checks.append(_acting(requester, "uids", as_uid, group="authentication.k8s.io"))
    for attrs in checks:
        allowed, reason = rbac.authorize(store, attrs)
        if not allowed:
            raise rbac.forbidden(attrs, reason)
    if as_user != ANONYMOUS.name:
        if not any(g in (AUTHENTICATED, UNAUTHENTICATED) for g in groups):
            groups.append(AUTHENTICATED)
    elif UNAUTHENTICATED not in groups:
        groups.append(UNAUTHENTICATED)
    return Identity(as_user, tuple(groups), as_uid, extra)


def _acting(
    requester: Identity, resource: str, name: str, namespace: str = "", group: str = ""
) -> rbac.Attributes:
    return rbac.Attributes(
        requester,
        "impersonate",
        True,
        "",
        group,
        "v1",
        namespace,
        resource,
        "",
        name,
    )


# -- the gate every request passes ------------------------------------------------------------


def admit(
    store: Store, request: web.Request, issued: Callable[[str], str | None] | None = None
) -> Identity:
    """Authenticate, impersonate, authorize; the identity is kept on the request."""
    requester = authenticate(store, request.headers.get("Authorization"), issued)
    user = impersonate(store, request, requester)
    attrs = request_attributes(user, request.method, request.path, request.query)
    allowed, reason = rbac.authorize(store, attrs)
    if not allowed:
        raise rbac.forbidden(attrs, reason)
    request[IDENTITY] = user
    rbac.CURRENT_USER.set(user)  # for the escalation check of role and binding writes
    return user


def identity(request: web.Request) -> Identity:
    return request.get(IDENTITY) or ADMIN


# -- the self reviews: kubectl auth can-i [--list], kubectl auth whoami ----------------------

REVIEW_GROUPS = ("authorization.k8s.io", "authentication.k8s.io")


async def review(
    store: Store, request: web.Request, group: str, version: str, rest: list[str]
) -> web.StreamResponse:
    kinds = {
        ("authorization.k8s.io", "selfsubjectaccessreviews"): "SelfSubjectAccessReview",
        ("authorization.k8s.io", "selfsubjectrulesreviews"): "SelfSubjectRulesReview",
        ("authentication.k8s.io", "selfsubjectreviews"): "SelfSubjectReview",
    }
    kind = kinds.get((group, rest[0])) if len(rest) == 1 and version == "v1" else None
    if kind is None:
        raise errors.ApiError(404, "the server could not find the requested resource")
    if request.method != "POST":
        raise errors.method_not_allowed(request.method)
    raw = await request.read()
    try:
        if "protobuf" in (request.content_type or ""):
            body = protobuf.decode(raw)  # kubectl's typed client sends protobuf
        else:
            body = json.loads(raw or b"{}")
    except ValueError:
        raise errors.bad_request("the request body is not valid") from None
    if not isinstance(body, dict):
        raise errors.bad_request("the request body must be a JSON object")
    user = identity(request)
    spec = body.get("spec") or {}
    status: Obj
    if kind == "SelfSubjectAccessReview":
        res, nonres = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
        if res:
            attrs = rbac.Attributes(
                user,
                str(res.get("verb", "")),
                True,
                "",
                str(res.get("group", "")),
                str(res.get("version", "")),
                str(res.get("namespace", "")),
                str(res.get("resource", "")),
                str(res.get("subresource", "")),
                str(res.get("name", "")),
            )
        elif nonres:
            attrs = rbac.Attributes(
                user, str(nonres.get("verb", "")), False, nonres.get("path", "")
            )
        else:
            raise errors.invalid(
                "SelfSubjectAccessReview",
                "",
                group,
                [
                    {
                        "reason": "FieldValueRequired",
                        "message": "Required value: exactly one of nonResourceAttributes or "
                        "resourceAttributes must be specified",
                        "field": "spec.resourceAttributes",
                    }
                ],
            )
        allowed, reason = rbac.authorize(store, attrs)
        status = {"allowed": allowed}
        if reason:
            status["reason"] = reason
    elif kind == "SelfSubjectRulesReview":
        resource, nonresource = rbac.rules_for(store, user, str(spec.get("namespace", "")))
        status = {"resourceRules": resource, "nonResourceRules": nonresource, "incomplete": False}
    else:
        status = {"userInfo": user.user_info()}
    meta = body.get("metadata") or {}
    out: Obj = {
        "kind": kind,
        "apiVersion": f"{group}/v1",
        "metadata": {**meta, "creationTimestamp": None},
        "spec": spec,
        "status": status,
    }
    if kind == "SelfSubjectReview":
        del out["spec"]
    return json_response(out, 201)
