"""Identities and RBAC: tokens, the stored Roles and bindings enforced on every request,
impersonation, and the self reviews behind `kubectl auth can-i` and `kubectl auth whoami`."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import yaml
from kubernetes import client

from opsconsole.sandbox.auth import sa_token
from tests.helpers.cluster import REPO, error_body, kubectl, raw

NS = "trading-system"
OWN = "rbac-own"
WEB = "system:serviceaccount:trading-system:opsconsole-web"
WORKER = "system:serviceaccount:trading-system:opsconsole-worker"
VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]


def forbidden(exc: client.ApiException) -> str:
    assert exc.status == 403, exc.body
    body = error_body(exc)
    assert body["reason"] == "Forbidden"
    assert body["code"] == 403
    return str(body["message"])


@pytest.fixture(scope="module")
def own(sandbox):
    """A namespace with a ServiceAccount `bot` and no bindings yet."""
    core = client.CoreV1Api(sandbox.api_client())
    core.create_namespace({"metadata": {"name": OWN}})
    core.create_namespaced_service_account(OWN, {"metadata": {"name": "bot"}})
    return OWN


def test_web_may_list_deployments_but_not_patch_them(sandbox):
    apps = client.AppsV1Api(sandbox.api_client("opsconsole-web"))
    names = [d.metadata.name for d in apps.list_namespaced_deployment(NS).items]
    assert "trading-engine" in names
    with pytest.raises(client.ApiException) as err:
        apps.patch_namespaced_deployment("trading-engine", NS, {"spec": {"replicas": 3}})
    assert forbidden(err.value) == (
        'deployments.apps "trading-engine" is forbidden: User '
        f'"{WEB}" cannot patch resource "deployments" in API group "apps" in the namespace '
        f'"{NS}"'
    )
    body = error_body(err.value)
    assert body["details"] == {"name": "trading-engine", "group": "apps", "kind": "deployments"}


def test_web_may_not_read_secrets_anywhere(sandbox):
    core = client.CoreV1Api(sandbox.api_client("opsconsole-web"))
    with pytest.raises(client.ApiException) as err:
        core.read_namespaced_secret("trading-secrets", NS)
    assert forbidden(err.value) == (
        f'secrets "trading-secrets" is forbidden: User "{WEB}" cannot get resource "secrets" '
        f'in API group "" in the namespace "{NS}"'
    )
    with pytest.raises(client.ApiException) as err:
        core.list_secret_for_all_namespaces()
    assert forbidden(err.value) == (
        f'secrets is forbidden: User "{WEB}" cannot list resource "secrets" in API group "" '
        "at the cluster scope"
    )


def test_worker_may_scale_and_run_jobs_but_not_delete_deployments(sandbox):
    api = sandbox.api_client("opsconsole-worker")
    apps = client.AppsV1Api(api)
    scale = apps.read_namespaced_deployment_scale("trading-engine", NS)
    patched = apps.patch_namespaced_deployment_scale(
        "trading-engine", NS, {"spec": {"replicas": scale.spec.replicas}}
    )
    assert patched.spec.replicas == scale.spec.replicas
    with pytest.raises(client.ApiException) as err:
        apps.delete_namespaced_deployment("trading-engine", NS)
    assert 'cannot delete resource "deployments" in API group "apps"' in forbidden(err.value)
    with pytest.raises(client.ApiException) as err:
        apps.patch_namespaced_stateful_set_scale("postgres", "default", {"spec": {"replicas": 1}})
    assert forbidden(err.value) == (
        f'statefulsets.apps "postgres" is forbidden: User "{WORKER}" cannot patch resource '
        '"statefulsets/scale" in API group "apps" in the namespace "default"'
    )


def test_pod_logs_are_a_subresource_of_their_own(sandbox):
    core = client.CoreV1Api(sandbox.api_client("opsconsole-web"))
    pod = sandbox.wait_for(
        lambda: next(
            (
                p
                for p in core.list_namespaced_pod(NS).items
                if p.status.phase == "Running" and len(p.spec.containers) == 1
            ),
            None,
        )
    )
    resp = core.read_namespaced_pod_log(pod.metadata.name, NS, _preload_content=False)
    assert resp.status == 200
    with pytest.raises(client.ApiException) as err:
        core.delete_namespaced_pod(pod.metadata.name, NS)
    assert 'cannot delete resource "pods" in API group ""' in forbidden(err.value)


def _role_rules(name: str) -> list[dict[str, Any]]:
    docs = yaml.safe_load_all((REPO / "k8s" / "opsconsole.yaml").read_text())
    role = next(d for d in docs if d and d["kind"] == "Role" and d["metadata"]["name"] == name)
    return list(role["rules"])


def _expected(rules: list[dict[str, Any]], group: str, resource: str, verb: str) -> bool:
    return any(
        group in r["apiGroups"] and resource in r["resources"] and verb in r["verbs"] for r in rules
    )


@pytest.mark.parametrize("account", ["opsconsole-web", "opsconsole-worker"])
def test_exactly_the_rules_of_k8s_opsconsole_yaml(sandbox, account):
    """Every (group, resource, verb) the Roles mention, and every verb they do not grant,
    asked of the server by the account itself (SelfSubjectAccessReview)."""
    rules = _role_rules(account)
    pairs = {(g, r) for rule in rules for g in rule["apiGroups"] for r in rule["resources"]}
    pairs |= {("", "secrets"), ("apps", "daemonsets"), ("rbac.authorization.k8s.io", "roles")}
    authz = client.AuthorizationV1Api(sandbox.api_client(account))
    wrong = []
    for (group, combined), verb in itertools.product(sorted(pairs), VERBS):
        resource, _, sub = combined.partition("/")
        review = authz.create_self_subject_access_review(
            {
                "spec": {
                    "resourceAttributes": {
                        "namespace": NS,
                        "verb": verb,
                        "group": group,
                        "resource": resource,
                        "subresource": sub,
                    }
                }
            }
        )
        if review.status.allowed != _expected(rules, group, combined, verb):
            wrong.append((group, combined, verb, review.status.allowed))
    assert wrong == []
    # The Role is namespaced: nothing of it holds in another namespace.
    review = authz.create_self_subject_access_review(
        {
            "spec": {
                "resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}
            }
        }
    )
    assert review.status.allowed is False


def test_allowed_reviews_name_the_binding(sandbox):
    authz = client.AuthorizationV1Api(sandbox.api_client("opsconsole-web"))
    review = authz.create_self_subject_access_review(
        {"spec": {"resourceAttributes": {"namespace": NS, "verb": "get", "resource": "pods"}}}
    )
    assert review.status.allowed is True
    assert review.status.reason == (
        'RBAC: allowed by RoleBinding "opsconsole-web/trading-system" of Role "opsconsole-web" '
        'to ServiceAccount "opsconsole-web/trading-system"'
    )


def test_an_unknown_token_is_401_and_no_token_is_anonymous(sandbox):
    status, body = raw(f"{sandbox.url}/api/v1/namespaces", token="not-a-token")
    assert (status, body["reason"], body["message"]) == (401, "Unauthorized", "Unauthorized")
    status, body = raw(f"{sandbox.url}/api/v1/namespaces", token=sa_token(NS, "nobody"))
    assert status == 401
    cfg = client.Configuration()
    cfg.host = sandbox.url
    cfg.api_key = {"authorization": "Bearer wrong"}
    with pytest.raises(client.ApiException) as err:
        client.CoreV1Api(client.ApiClient(cfg)).list_namespace()
    assert err.value.status == 401
    status, body = raw(f"{sandbox.url}/api/v1/namespaces", token=None)
    assert status == 403
    assert body["message"] == (
        'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in '
        'API group "" at the cluster scope'
    )
    status, body = raw(f"{sandbox.url}/api", token=None)
    assert (status, body["message"]) == (
        403,
        'forbidden: User "system:anonymous" cannot get path "/api"',
    )
    status, _ = raw(f"{sandbox.url}/version", token=None)
    assert status == 200  # system:public-info-viewer


def test_bindings_created_at_run_time_are_enforced(sandbox, own):
    admin = sandbox.api_client()
    rbac = client.RbacAuthorizationV1Api(admin)
    core = client.CoreV1Api(admin)
    core.create_namespaced_config_map(OWN, {"metadata": {"name": "mine"}, "data": {"a": "1"}})
    core.create_namespaced_config_map(OWN, {"metadata": {"name": "theirs"}, "data": {"a": "2"}})
    bot = client.CoreV1Api(sandbox.api_client(f"system:serviceaccount:{OWN}:bot"))
    with pytest.raises(client.ApiException) as err:
        bot.read_namespaced_config_map("mine", OWN)
    assert forbidden(err.value).startswith('configmaps "mine" is forbidden')
    rbac.create_namespaced_role(
        OWN,
        {
            "metadata": {"name": "one-map"},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["configmaps"],
                    "resourceNames": ["mine"],
                    "verbs": ["get", "update"],
                }
            ],
        },
    )
    rbac.create_namespaced_role_binding(
        OWN,
        {
            "metadata": {"name": "bot-one-map"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "one-map"},
            "subjects": [{"kind": "ServiceAccount", "name": "bot"}],
        },
    )
    assert bot.read_namespaced_config_map("mine", OWN).data == {"a": "1"}
    with pytest.raises(client.ApiException) as err:
        bot.read_namespaced_config_map("theirs", OWN)
    assert err.value.status == 403
    with pytest.raises(client.ApiException) as err:
        bot.list_namespaced_config_map(OWN)  # resourceNames never grant list
    assert err.value.status == 403
    # A ClusterRoleBinding to the bootstrap `view` role: reading everywhere, writing nowhere.
    rbac.create_cluster_role_binding(
        {
            "metadata": {"name": "bot-view"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "view",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "bot", "namespace": OWN}],
        }
    )
    try:
        assert bot.list_namespaced_config_map(OWN).items
        assert client.AppsV1Api(bot.api_client).list_deployment_for_all_namespaces().items
        with pytest.raises(client.ApiException) as err:
            bot.read_namespaced_secret("trading-secrets", NS)
        assert err.value.status == 403
    finally:
        rbac.delete_cluster_role_binding("bot-view")
    with pytest.raises(client.ApiException) as err:
        bot.list_namespaced_config_map(OWN)
    assert err.value.status == 403


def test_a_binding_to_a_missing_role_says_so(sandbox, own):
    rbac = client.RbacAuthorizationV1Api(sandbox.api_client())
    rbac.create_namespaced_role_binding(
        OWN,
        {
            "metadata": {"name": "dangling"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "gone"},
            "subjects": [{"kind": "ServiceAccount", "name": "bot"}],
        },
    )
    try:
        bot = client.AppsV1Api(sandbox.api_client(f"system:serviceaccount:{OWN}:bot"))
        with pytest.raises(client.ApiException) as err:
            bot.list_namespaced_deployment(OWN)
        assert forbidden(err.value) == (
            f'deployments.apps is forbidden: User "system:serviceaccount:{OWN}:bot" cannot list '
            f'resource "deployments" in API group "apps" in the namespace "{OWN}": RBAC: '
            'role.rbac.authorization.k8s.io "gone" not found'
        )
    finally:
        rbac.delete_namespaced_role_binding("dangling", OWN)


def test_only_the_admin_may_impersonate(sandbox):
    url = f"{sandbox.url}/api/v1/namespaces/{NS}/secrets"
    status, body = raw(url, headers={"Impersonate-User": WEB})
    assert status == 403
    assert body["message"].startswith(f'secrets is forbidden: User "{WEB}" cannot list')
    status, body = raw(
        url, token=sa_token(NS, "opsconsole-web"), headers={"Impersonate-User": "bob"}
    )
    assert (status, body["message"]) == (
        403,
        f'users "bob" is forbidden: User "{WEB}" cannot impersonate resource "users" in API '
        'group "" at the cluster scope',
    )
    status, body = raw(
        url,
        token=sa_token(NS, "opsconsole-web"),
        headers={"Impersonate-User": "system:serviceaccount:trading-system:opsconsole-worker"},
    )
    assert status == 403
    assert 'cannot impersonate resource "serviceaccounts"' in body["message"]
    status, _ = raw(url, headers={"Impersonate-User": "bob", "Impersonate-Group": "system:masters"})
    assert status == 200
    status, body = raw(url, headers={"Impersonate-Group": "system:masters"})
    assert (status, body["message"]) == (
        400,
        "requested [{Group  system:masters    }] without impersonating a user",
    )


# -- kubectl ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kc(sandbox):
    def run(*args, check=True):
        return kubectl(sandbox.kubeconfig, *args, check=check)

    return run


def test_kubectl_contexts_act_as_the_console_accounts(kc):
    contexts = kc("config", "get-contexts", "-o", "name").stdout.split()
    assert contexts == [
        "sandbox",
        "sandbox-opsconsole-sync",
        "sandbox-opsconsole-web",
        "sandbox-opsconsole-worker",
    ]
    assert kc("config", "current-context").stdout.strip() == "sandbox"
    web = ("--context", "sandbox-opsconsole-web")
    assert "trading-engine" in kc(*web, "get", "deployments").stdout
    proc = kc(*web, "scale", "deployment/trading-engine", "--replicas", "2", check=False)
    assert proc.returncode != 0
    assert (
        'Error from server (Forbidden): deployments.apps "trading-engine" is forbidden: User '
        f'"{WEB}" cannot patch resource "deployments/scale" in API group "apps" in the '
        f'namespace "{NS}"'
    ) in proc.stderr
    proc = kc(*web, "get", "secrets", check=False)
    assert (
        f'Error from server (Forbidden): secrets is forbidden: User "{WEB}" cannot list '
        f'resource "secrets" in API group "" in the namespace "{NS}"'
    ) in proc.stderr
    worker = ("--context", "sandbox-opsconsole-worker")
    replicas = kc("get", "deployment/trading-engine", "-o", "jsonpath={.spec.replicas}").stdout
    assert (
        "scaled" in kc(*worker, "scale", "deployment/trading-engine", "--replicas", replicas).stdout
    )


def test_kubectl_auth_can_i(kc):
    web = ("--context", "sandbox-opsconsole-web")
    worker = ("--context", "sandbox-opsconsole-worker")
    assert kc(*web, "auth", "can-i", "list", "deployments").stdout.strip() == "yes"
    assert kc(*web, "auth", "can-i", "patch", "deployments", check=False).stdout.strip() == "no"
    assert kc(*web, "auth", "can-i", "get", "secrets", check=False).stdout.strip() == "no"
    assert kc(*web, "auth", "can-i", "get", "pods", "--subresource=log").stdout.strip() == "yes"
    assert kc(*worker, "auth", "can-i", "patch", "deployments/scale").stdout.strip() == "yes"
    assert kc(*worker, "auth", "can-i", "create", "jobs").stdout.strip() == "yes"
    assert kc(*worker, "auth", "can-i", "delete", "cronjobs", check=False).stdout.strip() == "no"
    assert kc(*web, "auth", "can-i", "get", "/healthz").stdout.strip() == "yes"
    assert kc("auth", "can-i", "*", "*").stdout.strip() == "yes"
    assert kc("auth", "can-i", "list", "secrets", "--as", WEB, check=False).stdout.strip() == "no"
    listing = kc(*worker, "auth", "can-i", "--list").stdout
    lines = {" ".join(line.split()) for line in listing.splitlines()}
    assert "deployments.apps/scale [] [] [get patch]" in lines, listing
    assert "jobs.batch [] [] [get list watch create delete]" in lines, listing
    assert "[/api] [] [get]" in lines, listing
    assert not any(line.startswith("secrets") for line in lines)


def test_kubectl_auth_whoami(kc):
    out = kc("auth", "whoami").stdout
    assert "sandbox-admin" in out
    assert "system:masters" in out
    out = kc("--context", "sandbox-opsconsole-web", "auth", "whoami", "-o", "json").stdout
    info = yaml.safe_load(out)["status"]["userInfo"]
    assert info["username"] == WEB
    assert info["groups"] == [
        "system:serviceaccounts",
        "system:serviceaccounts:trading-system",
        "system:authenticated",
    ]
    out = kc("auth", "whoami", "--as", "alice", "--as-group", "ops", "-o", "json").stdout
    info = yaml.safe_load(out)["status"]["userInfo"]
    assert (info["username"], info["groups"]) == ("alice", ["ops", "system:authenticated"])


def test_kubectl_impersonation(kc):
    proc = kc("get", "secrets", "--as", WEB, check=False)
    assert f'secrets is forbidden: User "{WEB}" cannot list' in proc.stderr
    assert "trading-engine" in kc("get", "deployments", "--as", WEB).stdout
    proc = kc("--context", "sandbox-opsconsole-web", "get", "pods", "--as", "bob", check=False)
    assert (
        f'Error from server (Forbidden): users "bob" is forbidden: User "{WEB}" cannot '
        'impersonate resource "users" in API group "" at the cluster scope'
    ) in proc.stderr
    assert kc("get", "secrets", "--as", "bob", "--as-group", "system:masters").returncode == 0


def test_kubectl_create_token_gives_a_working_token(kc, sandbox):
    token = kc("create", "token", "opsconsole-worker").stdout.strip()
    assert token
    out = kc("--token", token, "auth", "whoami", "-o", "json").stdout
    assert yaml.safe_load(out)["status"]["userInfo"]["username"] == WORKER
    proc = kc(
        "--context", "sandbox-opsconsole-web", "create", "token", "opsconsole-worker", check=False
    )
    assert (
        f'serviceaccounts "opsconsole-worker" is forbidden: User "{WEB}" cannot create resource '
        f'"serviceaccounts/token" in API group "" in the namespace "{NS}"'
    ) in proc.stderr
    proc = kc("create", "token", "nobody", check=False)
    assert 'serviceaccounts "nobody" not found' in proc.stderr


def test_roles_and_bindings_grant_only_what_their_writer_holds(sandbox):
    ns = "rbac-escalate"
    admin = sandbox.api_client()
    core = client.CoreV1Api(admin)
    core.create_namespace({"metadata": {"name": ns}})
    core.create_namespaced_service_account(ns, {"metadata": {"name": "lead"}})
    client.RbacAuthorizationV1Api(admin).create_namespaced_role_binding(
        ns,
        {
            "metadata": {"name": "lead-admin"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "admin",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "lead", "namespace": ns}],
        },
    )
    lead = client.RbacAuthorizationV1Api(sandbox.api_client(f"system:serviceaccount:{ns}:lead"))
    # What the namespace admin holds, it may grant.
    lead.create_namespaced_role(
        ns,
        {
            "metadata": {"name": "readers"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
        },
    )
    with pytest.raises(client.ApiException) as err:
        lead.create_namespaced_role(
            ns,
            {
                "metadata": {"name": "too-much"},
                "rules": [
                    {"apiGroups": [""], "resources": ["pods", "nodes"], "verbs": ["get", "list"]},
                    {"apiGroups": ["apiextensions.k8s.io"], "resources": ["*"], "verbs": ["*"]},
                ],
            },
        )
    groups = f'["system:serviceaccounts" "system:serviceaccounts:{ns}" "system:authenticated"]'
    assert forbidden(err.value) == (
        f'roles.rbac.authorization.k8s.io "too-much" is forbidden: user '
        f'"system:serviceaccount:{ns}:lead" (groups={groups}) is attempting to grant RBAC '
        "permissions not currently held:\n"
        '{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}\n'
        '{APIGroups:["apiextensions.k8s.io"], Resources:["*"], Verbs:["*"]}'
    )
    with pytest.raises(client.ApiException) as err:
        lead.create_namespaced_role_binding(
            ns,
            {
                "metadata": {"name": "lead-everything"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": "cluster-admin",
                },
                "subjects": [{"kind": "ServiceAccount", "name": "lead", "namespace": ns}],
            },
        )
    assert forbidden(err.value).startswith(
        'rolebindings.rbac.authorization.k8s.io "lead-everything" is forbidden: user '
        f'"system:serviceaccount:{ns}:lead" (groups={groups}) is attempting to grant RBAC '
        "permissions not currently held:\n"
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}'
    )
    lead.create_namespaced_role_binding(
        ns,
        {
            "metadata": {"name": "readers"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "readers"},
            "subjects": [{"kind": "User", "name": "someone"}],
        },
    )
