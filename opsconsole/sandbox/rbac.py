"""RBAC as the API server's authorizer evaluates it, over the Role/ClusterRole objects stored.

`system:masters` is allowed everything before RBAC is asked (the privileged-group
authorizer); everyone else is allowed what a ClusterRoleBinding, or a RoleBinding in the
request's namespace, grants. Messages follow k8s.io/apiserver's responsewriters.forbiddenMessage
and the RBAC authorizer's reasons.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from opsconsole.sandbox import errors
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.store import Store, clone

Obj = dict[str, Any]
GROUP = "rbac.authorization.k8s.io"
MASTERS = "system:masters"


class User(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def groups(self) -> tuple[str, ...]: ...


@dataclass
class Attributes:
    user: User
    verb: str
    resource_request: bool
    path: str
    group: str = ""
    version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""


def _types() -> tuple[Any, Any, Any, Any]:
    return (
        preferred(GROUP, "roles"),
        preferred(GROUP, "clusterroles"),
        preferred(GROUP, "rolebindings"),
        preferred(GROUP, "clusterrolebindings"),
    )


# -- matching -------------------------------------------------------------------------------


def _subject(user: User, subjects: list[Obj], binding_ns: str) -> Obj | None:
    for s in subjects or []:
        kind = s.get("kind")
        if kind == "User" and s.get("name") == user.name:
            return s
        if kind == "Group" and s.get("name") in user.groups:
            return s
        if kind == "ServiceAccount":
            ns = s.get("namespace") or binding_ns
            if ns and user.name == f"system:serviceaccount:{ns}:{s.get('name')}":
                return s
    return None


def _describe_subject(s: Obj, binding_ns: str) -> str:
    if s.get("kind") == "ServiceAccount":
        return f'ServiceAccount "{s.get("name")}/{s.get("namespace") or binding_ns}"'
    return f'{s.get("kind")} "{s.get("name")}"'


def rule_allows(a: Attributes, rule: Obj) -> bool:
    verbs = rule.get("verbs") or []
    if "*" not in verbs and a.verb not in verbs:
        return False
    if not a.resource_request:
        for url in rule.get("nonResourceURLs") or []:
            if url == "*" or url == a.path or (url.endswith("*") and a.path.startswith(url[:-1])):
                return True
        return False
    groups = rule.get("apiGroups") or []
    if "*" not in groups and a.group not in groups:
        return False
    combined = f"{a.resource}/{a.subresource}" if a.subresource else a.resource
    if not any(
        r in ("*", combined) or (a.subresource and r == f"*/{a.subresource}")
        for r in rule.get("resources") or []
    ):
        return False
    names = rule.get("resourceNames") or []
    return not names or a.name in names


def _grants(
    store: Store, user: User, namespace: str, failures: list[str]
) -> Iterator[tuple[str, list[Obj]]]:
    """(description, rules) of every binding that applies to the user in namespace."""
    roles, cluster_roles, role_bindings, cluster_role_bindings = _types()
    for b in store.objects(cluster_role_bindings):
        s = _subject(user, b.get("subjects") or [], "")
        if s is None:
            continue
        ref = b.get("roleRef") or {}
        role = store.get(cluster_roles, "", ref.get("name", ""))
        if role is None:
            failures.append(f'clusterrole.{GROUP} "{ref.get("name", "")}" not found')
            continue
        yield (
            f'ClusterRoleBinding "{b["metadata"]["name"]}" of ClusterRole '
            f'"{ref.get("name")}" to {_describe_subject(s, "")}',
            role.get("rules") or [],
        )
    if not namespace:
        return
    for b in store.objects(role_bindings, namespace):
        s = _subject(user, b.get("subjects") or [], namespace)
        if s is None:
            continue
        ref = b.get("roleRef") or {}
        kind = ref.get("kind", "Role")
        if kind == "ClusterRole":
            role = store.get(cluster_roles, "", ref.get("name", ""))
        else:
            role = store.get(roles, namespace, ref.get("name", ""))
        if role is None:
            failures.append(f'{kind.lower()}.{GROUP} "{ref.get("name", "")}" not found')
            continue
        yield (
            f'RoleBinding "{b["metadata"]["name"]}/{namespace}" of {kind} '
            f'"{ref.get("name")}" to {_describe_subject(s, namespace)}',
            role.get("rules") or [],
        )


def authorize(store: Store, a: Attributes) -> tuple[bool, str]:
    """(allowed, reason): the reason is what a SubjectAccessReview and a 403 carry."""
    if MASTERS in a.user.groups:
        return True, ""
    failures: list[str] = []
    for description, rules in _grants(store, a.user, a.namespace, failures):
        if any(rule_allows(a, r) for r in rules):
            return True, f"RBAC: allowed by {description}"
    if not failures:
        return False, ""
    joined = failures[0] if len(failures) == 1 else "[" + ", ".join(failures) + "]"
    return False, f"RBAC: {joined}"


def rules_for(store: Store, user: User, namespace: str) -> tuple[list[Obj], list[Obj]]:
    """(resourceRules, nonResourceRules) as a SelfSubjectRulesReview reports them."""
    resource: list[Obj] = []
    nonresource: list[Obj] = []
    # system:masters gets its rules from cluster-admin's binding, as on a real cluster.
    for _, rules in _grants(store, user, namespace, []):
        for r in rules:
            if r.get("nonResourceURLs"):
                nonresource.append(
                    {"verbs": list(r.get("verbs") or []), "nonResourceURLs": r["nonResourceURLs"]}
                )
            else:
                entry: Obj = {
                    "verbs": list(r.get("verbs") or []),
                    "apiGroups": list(r.get("apiGroups") or []),
                    "resources": list(r.get("resources") or []),
                }
                if r.get("resourceNames"):
                    entry["resourceNames"] = list(r["resourceNames"])
                resource.append(entry)
    return resource, nonresource


# -- the 403 -------------------------------------------------------------------------------


def forbidden_message(a: Attributes) -> str:
    user = a.user.name
    if not a.resource_request:
        return f'User "{user}" cannot {a.verb} path "{a.path}"'
    resource = f"{a.resource}/{a.subresource}" if a.subresource else a.resource
    if a.namespace:
        return (
            f'User "{user}" cannot {a.verb} resource "{resource}" in API group "{a.group}" '
            f'in the namespace "{a.namespace}"'
        )
    return (
        f'User "{user}" cannot {a.verb} resource "{resource}" in API group "{a.group}" '
        "at the cluster scope"
    )


def forbidden(a: Attributes, reason: str = "") -> errors.ApiError:
    msg = forbidden_message(a).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if reason:
        msg = f"{msg}: {reason}"
    resource = a.resource if a.resource_request else ""
    qualified = f"{resource}.{a.group}" if a.group and resource else resource
    if not qualified:
        message = f"forbidden: {msg}"
    elif not a.name:
        message = f"{qualified} is forbidden: {msg}"
    else:
        message = f'{qualified} "{a.name}" is forbidden: {msg}'
    details: Obj = {}
    if a.name:
        details["name"] = a.name
    if a.group and resource:
        details["group"] = a.group
    if resource:
        details["kind"] = resource
    return errors.ApiError(403, message, "Forbidden", details)


# -- bootstrap policy (a subset of kube-apiserver's bootstrappolicy) ---------------------------

_READ = ["get", "list", "watch"]
_WRITE = ["create", "delete", "deletecollection", "patch", "update"]
_VIEW: list[tuple[str, list[str]]] = [
    (
        "",
        [
            "configmaps",
            "endpoints",
            "persistentvolumeclaims",
            "persistentvolumeclaims/status",
            "pods",
            "pods/log",
            "pods/status",
            "serviceaccounts",
            "services",
            "services/status",
            "events",
            "limitranges",
            "resourcequotas",
            "resourcequotas/status",
            "namespaces",
            "namespaces/status",
        ],
    ),
    (
        "apps",
        [
            "controllerrevisions",
            "daemonsets",
            "daemonsets/status",
            "deployments",
            "deployments/scale",
            "deployments/status",
            "replicasets",
            "replicasets/scale",
            "replicasets/status",
            "statefulsets",
            "statefulsets/scale",
            "statefulsets/status",
        ],
    ),
    ("autoscaling", ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
    ("batch", ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
    ("networking.k8s.io", ["ingresses", "ingresses/status", "networkpolicies"]),
    ("policy", ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
    ("discovery.k8s.io", ["endpointslices"]),
    ("events.k8s.io", ["events"]),
    ("coordination.k8s.io", ["leases"]),
]
_EDIT: list[tuple[str, list[str]]] = [
    (
        "",
        [
            "pods",
            "pods/eviction",
            "configmaps",
            "endpoints",
            "persistentvolumeclaims",
            "secrets",
            "serviceaccounts",
            "services",
        ],
    ),
    (
        "apps",
        [
            "daemonsets",
            "deployments",
            "deployments/scale",
            "replicasets",
            "replicasets/scale",
            "statefulsets",
            "statefulsets/scale",
        ],
    ),
    ("autoscaling", ["horizontalpodautoscalers"]),
    ("batch", ["cronjobs", "jobs"]),
    ("networking.k8s.io", ["ingresses", "networkpolicies"]),
    ("policy", ["poddisruptionbudgets"]),
    ("coordination.k8s.io", ["leases"]),
]


def _rules(table: list[tuple[str, list[str]]], verbs: list[str]) -> list[Obj]:
    return [{"apiGroups": [g], "resources": list(rs), "verbs": list(verbs)} for g, rs in table]


def bootstrap_roles() -> list[tuple[str, Obj]]:
    """(plural, object) of the ClusterRoles and ClusterRoleBindings a fresh cluster has."""
    meta = {
        "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
    }
    view = _rules(_VIEW, _READ)
    edit = (
        view
        + _rules(_EDIT, _WRITE)
        + [
            {"apiGroups": [""], "resources": ["secrets"], "verbs": list(_READ)},
            {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]},
            {"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]},
        ]
    )
    admin = [
        *edit,
        {
            "apiGroups": [GROUP],
            "resources": ["rolebindings", "roles"],
            "verbs": [*_READ, *_WRITE],
        },
        {
            "apiGroups": ["authorization.k8s.io"],
            "resources": ["localsubjectaccessreviews"],
            "verbs": ["create"],
        },
    ]
    discovery = [
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
        "/healthz",
        "/livez",
        "/openapi",
        "/openapi/*",
        "/readyz",
        "/version",
        "/version/",
    ]
    roles: dict[str, list[Obj]] = {
        "cluster-admin": [
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
            {"nonResourceURLs": ["*"], "verbs": ["*"]},
        ],
        "admin": admin,
        "edit": edit,
        "view": view,
        "system:discovery": [{"nonResourceURLs": discovery, "verbs": ["get"]}],
        "system:public-info-viewer": [
            {
                "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"],
                "verbs": ["get"],
            }
        ],
        "system:basic-user": [
            {
                "apiGroups": ["authorization.k8s.io"],
                "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                "verbs": ["create"],
            },
            {
                "apiGroups": ["authentication.k8s.io"],
                "resources": ["selfsubjectreviews"],
                "verbs": ["create"],
            },
        ],
    }
    bindings: dict[str, list[str]] = {
        "cluster-admin": [MASTERS],
        "system:discovery": ["system:authenticated"],
        "system:basic-user": ["system:authenticated"],
        "system:public-info-viewer": ["system:authenticated", "system:unauthenticated"],
    }
    out: list[tuple[str, Obj]] = []
    for name, rules in roles.items():
        out.append(("clusterroles", {"metadata": {"name": name, **meta}, "rules": rules}))
    for name, groups in bindings.items():
        binding: Obj = {
            "metadata": {"name": name, **meta},
            "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": name},
            "subjects": [{"apiGroup": GROUP, "kind": "Group", "name": g} for g in groups],
        }
        out.append(("clusterrolebindings", binding))
    return out


def bootstrap(store: Store) -> None:
    for plural, obj in bootstrap_roles():
        rt = preferred(GROUP, plural)
        if store.get(rt, "", obj["metadata"]["name"]) is None:
            store.create(rt, clone(obj))


# -- escalation (pkg/registry/rbac: a role or binding may grant only what its writer holds) ---

# Who is writing: set per request by auth.admit; unset for the sandbox's own writes (seed).
CURRENT_USER: ContextVar[User | None] = ContextVar("rbac_user", default=None)
_ROLE_KINDS = {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}


def _go_strings(values: list[str]) -> str:
    """Go's %q of a []string: ["a" "b"]."""
    return "[" + " ".join(json.dumps(v) for v in values) + "]"


def _atoms(rule: Obj) -> list[tuple[str, str, str, str]]:
    """BreakdownRule: one (group, resource, name, verb) or ("", url, "", verb) per atom."""
    out: list[tuple[str, str, str, str]] = []
    for verb in rule.get("verbs") or []:
        for url in rule.get("nonResourceURLs") or []:
            out.append(("#url", url, "", verb))
        for group in rule.get("apiGroups") or []:
            for resource in rule.get("resources") or []:
                for name in rule.get("resourceNames") or [""]:
                    out.append((group, resource, name, verb))
    return out


def _covered(atom: tuple[str, str, str, str], owned: list[Obj]) -> bool:
    group, resource, name, verb = atom
    for r in owned:
        verbs = r.get("verbs") or []
        if "*" not in verbs and verb not in verbs:
            continue
        if group == "#url":
            urls = r.get("nonResourceURLs") or []
            if any(
                u == "*" or u == resource or (u.endswith("*") and resource.startswith(u[:-1]))
                for u in urls
            ):
                return True
            continue
        groups = r.get("apiGroups") or []
        resources = r.get("resources") or []
        names = r.get("resourceNames") or []
        if (
            ("*" in groups or group in groups)
            and ("*" in resources or resource in resources)
            and (not names or (name and name in names))
        ):
            return True
    return False


def confirm_no_escalation(store: Store, kind: str, obj: Obj) -> None:
    """403 when the writer of a role or binding does not hold every permission it grants,
    unless it may `escalate` (roles) or `bind` (the role a binding names)."""
    user = CURRENT_USER.get()
    if user is None or kind not in _ROLE_KINDS or MASTERS in user.groups:
        return
    meta = obj.get("metadata") or {}
    namespace = str(meta.get("namespace", "")) if kind in ("Role", "RoleBinding") else ""
    plural = {"Role": "roles", "ClusterRole": "clusterroles"}
    if kind in plural:
        escalate = Attributes(
            user, "escalate", True, "", GROUP, "v1", namespace, plural[kind], "", ""
        )
        if authorize(store, escalate)[0]:
            return
        rules = list(obj.get("rules") or [])
    else:
        ref = obj.get("roleRef") or {}
        ref_kind = str(ref.get("kind", ""))
        bind = Attributes(
            user,
            "bind",
            True,
            "",
            GROUP,
            "v1",
            namespace,
            plural.get(ref_kind, "roles"),
            "",
            str(ref.get("name", "")),
        )
        if authorize(store, bind)[0]:
            return
        roles, cluster_roles, _, _ = _types()
        role = (
            store.get(cluster_roles, "", ref.get("name", ""))
            if ref_kind == "ClusterRole"
            else store.get(roles, namespace, ref.get("name", ""))
        )
        rules = list((role or {}).get("rules") or [])
    held_resource, held_nonresource = rules_for(store, user, namespace)
    held = held_resource + held_nonresource
    missing: dict[tuple[str, str, str], list[str]] = {}
    for atom in (a for rule in rules for a in _atoms(rule)):
        if not _covered(atom, held):
            verbs = missing.setdefault(atom[:3], [])
            if atom[3] not in verbs:
                verbs.append(atom[3])
    if not missing:
        return
    lines = []
    for (group, resource, name), verbs in missing.items():
        if group == "#url":
            lines.append(
                f"{{NonResourceURLs:{_go_strings([resource])}, Verbs:{_go_strings(verbs)}}}"
            )
            continue
        parts = [f"APIGroups:{_go_strings([group])}", f"Resources:{_go_strings([resource])}"]
        if name:
            parts.append(f"ResourceNames:{_go_strings([name])}")
        parts.append(f"Verbs:{_go_strings(verbs)}")
        lines.append("{" + ", ".join(parts) + "}")
    why = (
        f'user "{user.name}" (groups={_go_strings(list(user.groups))}) is attempting to grant '
        "RBAC permissions not currently held:\n" + "\n".join(sorted(lines))
    )
    resource = {
        "Role": "roles",
        "ClusterRole": "clusterroles",
        "RoleBinding": "rolebindings",
        "ClusterRoleBinding": "clusterrolebindings",
    }[kind]
    name = str(meta.get("name", ""))
    raise errors.ApiError(
        403,
        f'{resource}.{GROUP} "{name}" is forbidden: {why}',
        "Forbidden",
        {"name": name, "group": GROUP, "kind": resource},
    )
