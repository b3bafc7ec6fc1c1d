"""OpsConsole's own deployment: its processes, settings, secrets, ingress and TLS."""

from __future__ import annotations

import pytest
import yaml

from tests.helpers.manifests import Obj, config_map_data, container, get, of_kind, pod_template

CONSOLE_HOST = "ops.trading-system.local"
TRADING_HOSTS = {
    "api.trading-system.local",
    "dashboard.trading-system.local",
    "monitoring.trading-system.local",
}
# Deployment -> (container, the command it runs)
PROCESSES = {
    "opsconsole-web": ("web", ["gunicorn", "opsconsole.wsgi:application"]),
    "opsconsole-worker": ("worker", ["celery", "--app=opsconsole.celery", "worker"]),
    "opsconsole-sync": ("sync", ["python", "manage.py", "cluster_sync"]),
    "opsconsole-beat": ("beat", ["celery", "--app=opsconsole.celery", "beat"]),
}


@pytest.mark.parametrize(("name", "process"), PROCESSES.items())
def test_each_console_process_runs(name: str, process: tuple[str, list[str]]) -> None:
    container_name, command = process
    ctr = container("Deployment", name, container_name)
    assert ctr["command"][: len(command)] == command
    assert ctr["envFrom"] == [{"configMapRef": {"name": "opsconsole-config"}}]
    mounts = {m["mountPath"]: m for m in ctr["volumeMounts"]}
    assert mounts["/etc/opsconsole/secrets"]["readOnly"] is True


def test_singletons_never_run_twice() -> None:
    for name in ["opsconsole-sync", "opsconsole-beat", "opsconsole-redis"]:
        spec = get("Deployment", name)["spec"]
        assert spec["replicas"] == 1
        assert spec["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}


def test_the_console_settings() -> None:
    config = config_map_data("opsconsole-config")
    assert config["OPSCONSOLE_NAMESPACES"] == "trading-system"
    assert config["ALLOWED_HOSTS"] == CONSOLE_HOST
    assert config["REDIS_URL"] == "redis://opsconsole-redis:6379/0"
    assert config["PROMETHEUS_URL"] == "http://prometheus:9090"
    assert config["ALERTMANAGER_URL"] == "http://alertmanager:9093"
    assert {"POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DB", "POSTGRES_USER"} <= set(config)
    # Production settings are the default; debug is never switched on here.
    assert "DJANGO_DEBUG" not in config
    for key in config:
        assert "SECRET" not in key or key.endswith("_FILE"), key
        assert "PASSWORD" not in key or key.endswith("_FILE"), key


def test_secrets_reach_the_console_as_files_only() -> None:
    config = config_map_data("opsconsole-config")
    spec = pod_template(get("Deployment", "opsconsole-web"))["spec"]
    (volume,) = [v for v in spec["volumes"] if v["name"] == "secrets"]
    paths = {i["key"]: i["path"] for i in volume["secret"]["items"]}
    assert volume["secret"]["secretName"] == "opsconsole-secrets"
    assert config["SECRET_KEY_FILE"] == f"/etc/opsconsole/secrets/{paths['secret-key']}"
    assert config["POSTGRES_PASSWORD_FILE"] == (
        f"/etc/opsconsole/secrets/{paths['postgres-password']}"
    )
    assert "AUDIT_CHECKPOINT_KEY_FILE" not in config
    assert set(get("Secret", "opsconsole-secrets")["data"]) == {*paths, "audit-checkpoint-key"}
    for m in of_kind("Deployment"):
        if m.name.startswith("opsconsole"):
            for ctr in pod_template(m.obj)["spec"]["containers"]:
                names = {e["name"] for e in ctr.get("env", [])}
                forbidden = {
                    "SECRET_KEY",
                    "AUDIT_CHECKPOINT_KEY",
                    "DJANGO_DEBUG",
                    "POSTGRES_PASSWORD",
                }
                assert not names & forbidden, m.id


def test_only_the_worker_holds_the_audit_checkpoint_key() -> None:
    holders = set()
    for m in of_kind("Deployment"):
        if m.name.startswith("opsconsole"):
            for volume in pod_template(m.obj)["spec"].get("volumes", []):
                items = volume.get("secret", {}).get("items", [])
                if any(i["key"] == "audit-checkpoint-key" for i in items):
                    holders.add(m.name)
    assert holders == {"opsconsole-worker"}
    worker = container("Deployment", "opsconsole-worker", "worker")
    env = {e["name"]: e.get("value") for e in worker["env"]}
    assert env["AUDIT_CHECKPOINT_KEY_FILE"] == "/etc/opsconsole/secrets/audit-checkpoint-key"


def test_the_worker_keeps_audit_checkpoints_on_a_shared_volume() -> None:
    worker = container("Deployment", "opsconsole-worker", "worker")
    env = {e["name"]: e["value"] for e in worker["env"]}
    mounts = {m["name"]: m["mountPath"] for m in worker["volumeMounts"]}
    assert env["AUDIT_CHECKPOINT_FILE"].startswith(mounts["audit"] + "/")
    spec = pod_template(get("Deployment", "opsconsole-worker"))["spec"]
    (volume,) = [v for v in spec["volumes"] if v["name"] == "audit"]
    claim = get("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    # Both worker replicas append to it.
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]


def test_migrations_run_before_the_web_starts() -> None:
    spec = pod_template(get("Deployment", "opsconsole-web"))["spec"]
    (init,) = spec["initContainers"]
    assert init["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert init["image"] == container("Deployment", "opsconsole-web", "web")["image"]


def test_the_web_probes_hit_healthz() -> None:
    web = container("Deployment", "opsconsole-web", "web")
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/healthz"


def _ingress_hosts(ingress: Obj) -> set[str]:
    return {rule["host"] for rule in ingress["spec"]["rules"]}


def test_the_console_is_behind_the_ingress_with_tls() -> None:
    ingress = get("Ingress", "opsconsole")
    assert _ingress_hosts(ingress) == {CONSOLE_HOST}
    (path,) = ingress["spec"]["rules"][0]["http"]["paths"]
    assert path["backend"]["service"]["name"] == "opsconsole-web"
    (tls,) = ingress["spec"]["tls"]
    certificate = get("Certificate", "opsconsole-tls")["spec"]
    assert tls == {"hosts": [CONSOLE_HOST], "secretName": certificate["secretName"]}
    assert certificate["dnsNames"] == [CONSOLE_HOST]


def test_the_trading_hosts_are_served_with_tls_from_cert_manager() -> None:
    ingresses = [m.obj for m in of_kind("Ingress") if m.name != "opsconsole"]
    hosts = set().union(*(_ingress_hosts(i) for i in ingresses))
    assert hosts == TRADING_HOSTS
    certificate = get("Certificate", "trading-system-tls")["spec"]
    assert set(certificate["dnsNames"]) == TRADING_HOSTS
    for ingress in ingresses:
        assert ingress["spec"]["ingressClassName"] == "nginx"
        annotations = ingress["metadata"]["annotations"]
        assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
        for tls in ingress["spec"]["tls"]:
            assert tls["secretName"] == certificate["secretName"]
            assert set(tls["hosts"]) <= set(certificate["dnsNames"])
    issuer = certificate["issuerRef"]["name"]
    assert get("Issuer", issuer)["spec"]["ca"]["secretName"] == "trading-system-ca"


def test_prometheus_is_not_exposed_without_a_login() -> None:
    annotations = get("Ingress", "trading-monitoring")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/auth-type"] == "basic"
    assert annotations["nginx.ingress.kubernetes.io/auth-secret"] == "monitoring-basic-auth"


def test_argo_cd_never_syncs_the_placeholder_secrets() -> None:
    for m in of_kind("Application"):
        source = m.obj["spec"]["source"]
        assert source["path"] == "k8s"
        assert "secrets.yaml" in source["directory"]["exclude"]
        assert m.obj["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}


def test_the_ci_workflow_is_a_complete_pipeline() -> None:
    workflow = yaml.safe_load(config_map_data("ci-pipeline")["github-actions-workflow.yaml"])
    assert {"test", "security", "build", "deploy-staging", "deploy-production"} <= set(
        workflow["jobs"]
    )
    build = workflow["jobs"]["build"]
    assert build["needs"] == ["test", "security"]
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                # Every action is pinned to a version.
                assert "@" in step["uses"], step
                assert not step["uses"].endswith(("@main", "@master")), step
