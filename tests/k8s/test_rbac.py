"""OpsConsole's (and Prometheus's) rights: namespaced, least, and never the dangerous ones."""

from __future__ import annotations

import pytest

from tests.helpers.manifests import NAMESPACE, Manifest, Obj, get, load_all, of_kind

READ = {"get", "list", "watch"}
# What the console shows: the web role reads exactly these, the worker too.
SHOWN = {
    ("", "pods"),
    ("", "pods/log"),
    ("", "services"),
    ("", "events"),
    ("", "configmaps"),
    ("", "persistentvolumeclaims"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("autoscaling", "horizontalpodautoscalers"),
    ("networking.k8s.io", "ingresses"),
    ("networking.k8s.io", "networkpolicies"),
    ("events.k8s.io", "events"),
}
# What the console changes, and nothing else.
CHANGES = {
    ("apps", "deployments"): {"patch"},
    ("apps", "deployments/scale"): {"get", "patch"},
    ("apps", "statefulsets/scale"): {"get", "patch"},
    ("batch", "jobs"): {"create", "delete"},
    ("batch", "cronjobs"): {"patch"},
}
FORBIDDEN_RESOURCES = {"secrets", "pods/exec", "pods/attach", "pods/portforward", "*"}
FORBIDDEN_VERBS = {"impersonate", "escalate", "bind", "*"}


def _grants(role: Obj) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        assert "resourceNames" not in rule or rule["resourceNames"]
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                out.setdefault((group, resource), set()).update(rule["verbs"])
    return out


ROLES = of_kind("Role")


def test_the_only_cluster_scope_is_reading_nodes_for_web_and_sync() -> None:
    (cluster_role,) = of_kind("ClusterRole")
    assert _grants(cluster_role.obj) == {
        ("", "nodes"): READ,
        ("metrics.k8s.io", "nodes"): {"get", "list"},
    }
    (binding,) = of_kind("ClusterRoleBinding")
    assert binding.obj["roleRef"]["name"] == cluster_role.obj["metadata"]["name"]
    assert {s["name"] for s in binding.obj["subjects"]} == {"opsconsole-web", "opsconsole-sync"}
    for m in of_kind("RoleBinding"):
        assert m.obj["metadata"]["namespace"] == NAMESPACE
        assert m.obj["roleRef"]["kind"] == "Role", m.id


@pytest.mark.parametrize("role", ROLES, ids=lambda m: m.id)
def test_no_role_grants_secrets_exec_rbac_or_impersonation(role: Manifest) -> None:
    for rule in role.obj["rules"]:
        assert not set(rule["resources"]) & FORBIDDEN_RESOURCES, rule
        assert not set(rule["verbs"]) & FORBIDDEN_VERBS, rule
        assert "rbac.authorization.k8s.io" not in rule["apiGroups"], rule
        assert "*" not in rule["apiGroups"], rule
        assert not rule.get("nonResourceURLs"), rule


def test_the_web_role_only_reads_what_the_console_shows() -> None:
    grants = _grants(get("Role", "opsconsole-web"))
    assert set(grants) == SHOWN | {("metrics.k8s.io", "pods")}
    assert grants.pop(("metrics.k8s.io", "pods")) == {"get", "list"}
    for resource, verbs in grants.items():
        assert verbs == READ, resource


def test_the_sync_role_reads_what_the_console_shows_and_holds_only_its_lease() -> None:
    role = get("Role", "opsconsole-sync")
    grants = _grants(role)
    assert set(grants) == SHOWN | {("coordination.k8s.io", "leases")}
    for resource in SHOWN:
        assert grants[resource] == READ, resource
    lease_rules = [r for r in role["rules"] if r["apiGroups"] == ["coordination.k8s.io"]]
    # create cannot be limited by name; reading and renewing are, to the sync's own Lease.
    assert {(tuple(r.get("resourceNames", [])), tuple(r["verbs"])) for r in lease_rules} == {
        ((), ("create",)),
        (("opsconsole-sync",), ("get", "update")),
    }


def test_the_worker_role_reads_the_same_and_changes_exactly_what_the_console_changes() -> None:
    grants = _grants(get("Role", "opsconsole-worker"))
    assert set(grants) == SHOWN | set(CHANGES)
    for resource, verbs in grants.items():
        expected = (READ if resource in SHOWN else set()) | CHANGES.get(resource, set())
        assert verbs == expected, resource


def test_each_console_account_is_bound_to_its_own_role_only() -> None:
    bindings = {
        (s["name"], m.obj["roleRef"]["name"])
        for m in of_kind("RoleBinding")
        for s in m.obj["subjects"]
    }
    console = {b for b in bindings if b[0].startswith("opsconsole")}
    assert console == {
        ("opsconsole-web", "opsconsole-web"),
        ("opsconsole-sync", "opsconsole-sync"),
        ("opsconsole-worker", "opsconsole-worker"),
    }


def test_the_worker_account_runs_only_the_worker() -> None:
    users = {
        m.name
        for m in load_all()
        if m.kind == "Deployment"
        and m.obj["spec"]["template"]["spec"]["serviceAccountName"] == "opsconsole-worker"
    }
    assert users == {"opsconsole-worker"}


def test_prometheus_only_discovers_targets() -> None:
    grants = _grants(get("Role", "prometheus-discovery"))
    assert grants == {
        ("", "pods"): READ,
        ("", "services"): READ,
        ("", "endpoints"): READ,
    }
