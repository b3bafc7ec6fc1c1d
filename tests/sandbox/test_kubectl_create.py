"""`kubectl create` of every kind the sandbox serves, with the real kubectl (whose typed
clients send protobuf), each read back with the official client to see what kubectl set."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kubernetes import client

from opsconsole.sandbox import tokens
from tests.helpers.cluster import kubectl

NS = "kc-create"
PROTOBUF = "application/vnd.kubernetes.protobuf"


@pytest.fixture(scope="module")
def kc(sandbox):
    client.CoreV1Api(sandbox.api_client()).create_namespace({"metadata": {"name": NS}})

    def run(*args, check=True):
        return kubectl(sandbox.kubeconfig, "-n", NS, *args, check=check)

    return run


@pytest.fixture(scope="module")
def core(sandbox):
    return client.CoreV1Api(sandbox.api_client())


@pytest.fixture(scope="module")
def rbac(sandbox):
    return client.RbacAuthorizationV1Api(sandbox.api_client())


def test_create_service_clusterip(kc, core):
    assert kc("create", "service", "clusterip", "web", "--tcp=80:8080", "--tcp=443:https").stdout
    svc = core.read_namespaced_service("web", NS)
    assert svc.spec.type == "ClusterIP"
    assert svc.spec.selector == {"app": "web"}
    assert [(p.name, p.port, p.target_port, p.protocol) for p in svc.spec.ports] == [
        ("80-8080", 80, 8080, "TCP"),
        ("443-https", 443, "https", "TCP"),
    ]
    assert svc.spec.cluster_ip


def test_create_service_nodeport(kc, core):
    kc("create", "service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080")
    svc = core.read_namespaced_service("np", NS)
    assert svc.spec.type == "NodePort"
    assert (svc.spec.ports[0].port, svc.spec.ports[0].node_port) == (80, 30080)


def test_create_service_loadbalancer(kc, core):
    kc("create", "service", "loadbalancer", "lb", "--tcp=443:8443")
    svc = core.read_namespaced_service("lb", NS)
    assert svc.spec.type == "LoadBalancer"
    assert (svc.spec.ports[0].port, svc.spec.ports[0].target_port) == (443, 8443)


def test_create_service_externalname(kc, core):
    kc("create", "service", "externalname", "ext", "--external-name=db.example.com")
    svc = core.read_namespaced_service("ext", NS)
    assert svc.spec.type == "ExternalName"
    assert svc.spec.external_name == "db.example.com"


def test_create_role_and_rolebinding(kc, rbac):
    kc(
        "create",
        "role",
        "reader",
        "--verb=get,list",
        "--resource=pods,deployments.apps",
        "--resource-name=x",
    )
    role = rbac.read_namespaced_role("reader", NS)
    assert [(r.api_groups, r.resources, r.verbs, r.resource_names) for r in role.rules] == [
        ([""], ["pods"], ["get", "list"], ["x"]),
        (["apps"], ["deployments"], ["get", "list"], ["x"]),
    ]
    kc(
        "create",
        "rolebinding",
        "rb",
        "--role=reader",
        "--user=alice",
        "--group=ops",
        f"--serviceaccount={NS}:default",
    )
    binding = rbac.read_namespaced_role_binding("rb", NS)
    assert (binding.role_ref.kind, binding.role_ref.name) == ("Role", "reader")
    assert binding.role_ref.api_group == "rbac.authorization.k8s.io"
    assert [(s.kind, s.name, s.namespace) for s in binding.subjects] == [
        ("User", "alice", None),
        ("Group", "ops", None),
        ("ServiceAccount", "default", NS),
    ]


def test_create_clusterrole_and_clusterrolebinding(kc, rbac):
    kc("create", "clusterrole", "kcc-health", "--verb=get", "--non-resource-url=/healthz")
    role = rbac.read_cluster_role("kcc-health")
    assert [(r.verbs, r.non_resource_urls) for r in role.rules] == [(["get"], ["/healthz"])]
    kc("create", "clusterrole", "kcc-agg", "--aggregation-rule=kcc=yes")
    agg = rbac.read_cluster_role("kcc-agg")
    selectors = agg.aggregation_rule.cluster_role_selectors
    assert [s.match_labels for s in selectors] == [{"kcc": "yes"}]
    kc("create", "clusterrolebinding", "kcc-bob", "--clusterrole=kcc-health", "--user=bob")
    binding = rbac.read_cluster_role_binding("kcc-bob")
    assert (binding.role_ref.kind, binding.role_ref.name) == ("ClusterRole", "kcc-health")
    assert [(s.kind, s.name) for s in binding.subjects] == [("User", "bob")]


def test_create_quota(kc, core):
    kc(
        "create",
        "quota",
        "q",
        "--hard=cpu=2,memory=4Gi,pods=10,requests.nvidia.com/gpu=1",
        "--scopes=NotTerminating",
    )
    quota = core.read_namespaced_resource_quota("q", NS)
    assert quota.spec.hard == {
        "cpu": "2",
        "memory": "4Gi",
        "pods": "10",
        "requests.nvidia.com/gpu": "1",
    }
    assert quota.spec.scopes == ["NotTerminating"]


def test_create_priorityclass(kc, sandbox):
    kc("create", "priorityclass", "kcc-high", "--value=1000", "--description=trading first")
    kc("create", "priorityclass", "kcc-low", "--value=-5", "--preemption-policy=Never")
    api = client.SchedulingV1Api(sandbox.api_client())
    high, low = api.read_priority_class("kcc-high"), api.read_priority_class("kcc-low")
    assert (high.value, high.description) == (1000, "trading first")
    assert (low.value, low.preemption_policy) == (-5, "Never")


def test_create_pdb_both_ways(kc, sandbox):
    kc("create", "pdb", "pdb-min", "--selector=app=web", "--min-available=50%")
    kc("create", "poddisruptionbudget", "pdb-max", "--selector=app=web", "--max-unavailable=1")
    api = client.PolicyV1Api(sandbox.api_client())
    low = api.read_namespaced_pod_disruption_budget("pdb-min", NS)
    high = api.read_namespaced_pod_disruption_budget("pdb-max", NS)
    assert low.spec.min_available == "50%"
    assert low.spec.selector.match_labels == {"app": "web"}
    assert high.spec.max_unavailable == 1


def test_create_ingress(kc, sandbox):
    kc(
        "create",
        "ingress",
        "ing",
        "--class=nginx",
        "--rule=foo.com/bar*=web:80,tls=my-cert",
        "--rule=/exact=web:http",
        "--annotation=team=trading",
        "--default-backend=web:80",
    )
    ing = client.NetworkingV1Api(sandbox.api_client()).read_namespaced_ingress("ing", NS)
    assert ing.spec.ingress_class_name == "nginx"
    assert ing.metadata.annotations == {"team": "trading"}
    assert ing.spec.default_backend.service.port.number == 80
    assert [(t.hosts, t.secret_name) for t in ing.spec.tls] == [(["foo.com"], "my-cert")]
    first, second = ing.spec.rules
    path = first.http.paths[0]
    assert (first.host, path.path, path.path_type) == ("foo.com", "/bar", "Prefix")
    assert (path.backend.service.name, path.backend.service.port.number) == ("web", 80)
    exact = second.http.paths[0]
    assert (exact.path, exact.path_type, exact.backend.service.port.name) == (
        "/exact",
        "Exact",
        "http",
    )


def test_create_token(kc):
    kc("create", "serviceaccount", "bot")
    out = kc("create", "token", "bot", "--duration=2h", "--audience=vault", "-o", "json").stdout
    request = json.loads(out)
    assert request["kind"] == "TokenRequest"
    assert request["status"]["token"]
    assert request["spec"]["audiences"] == ["vault"]
    assert request["spec"]["expirationSeconds"] == 7200
    expires = datetime.strptime(request["status"]["expirationTimestamp"], "%Y-%m-%dT%H:%M:%S%z")
    left = (expires - datetime.now(UTC)).total_seconds()
    assert 7100 < left <= 7200
    plain = kc("create", "token", "bot").stdout.strip()
    assert plain
    assert plain != request["status"]["token"]


def test_create_token_refuses_what_the_api_server_refuses(kc):
    short = kc("create", "token", "bot", "--duration=1m", check=False)
    assert short.returncode != 0
    assert (
        'TokenRequest.authentication.k8s.io "bot" is invalid: spec.expirationSeconds: '
        "Invalid value: 60: may not specify a duration less than 10 minutes" in short.stderr
    )
    missing = kc("create", "token", "nobody", check=False)
    assert 'serviceaccounts "nobody" not found' in missing.stderr


def test_a_token_names_its_service_account_while_it_lives(kc, core, sandbox):
    kc("create", "serviceaccount", "short-lived")
    token = kc("create", "token", "short-lived").stdout.strip()
    api = sandbox.cluster.api
    assert tokens.subject(api, token) == f"system:serviceaccount:{NS}:short-lived"
    assert tokens.subject(api, token + "x") is None
    core.delete_namespaced_service_account("short-lived", NS)
    kc("create", "serviceaccount", "short-lived")  # the same name, another account
    assert tokens.subject(api, token) is None


def test_token_request_with_the_official_client(core):
    core.create_namespaced_service_account(NS, {"metadata": {"name": "bot-json"}})
    answer = core.create_namespaced_service_account_token(
        "bot-json", NS, {"spec": {"audiences": []}}
    )
    assert answer.status.token
    assert answer.spec.expiration_seconds == 3600
    assert answer.spec.audiences == ["https://kubernetes.default.svc.cluster.local"]


def test_autoscale_and_expose_a_deployment(kc, sandbox):
    kc("create", "deployment", "api", "--image=registry.local/api:1", "--port=8080")
    kc("autoscale", "deployment", "api", "--min=2", "--max=6", "--cpu=70%")
    hpa = client.AutoscalingV2Api(sandbox.api_client()).read_namespaced_horizontal_pod_autoscaler(
        "api", NS
    )
    assert (hpa.spec.min_replicas, hpa.spec.max_replicas) == (2, 6)
    ref = hpa.spec.scale_target_ref
    assert (ref.api_version, ref.kind, ref.name) == ("apps/v1", "Deployment", "api")
    (metric,) = hpa.spec.metrics
    target = metric.resource.target
    assert (metric.type, metric.resource.name, target.type) == ("Resource", "cpu", "Utilization")
    assert target.average_utilization == 70
    kc("expose", "deployment", "api", "--port=80", "--target-port=8080", "--name=api-svc")
    svc = client.CoreV1Api(sandbox.api_client()).read_namespaced_service("api-svc", NS)
    assert svc.spec.selector == {"app": "api"}
    assert (svc.spec.ports[0].port, svc.spec.ports[0].target_port) == (80, 8080)


def test_run(kc, core, sandbox):
    kc(
        "run",
        "once",
        "--image=registry.local/tool:1",
        "--labels=app=once",
        "--env=MODE=check",
        "--port=9000",
        "--restart=Never",
        "--",
        "sleep",
        "1",
    )
    pod = core.read_namespaced_pod("once", NS)
    (container,) = pod.spec.containers
    assert pod.metadata.labels == {"app": "once"}
    assert pod.spec.restart_policy == "Never"
    assert container.image == "registry.local/tool:1"
    assert container.args == ["sleep", "1"]
    assert [(e.name, e.value) for e in container.env] == [("MODE", "check")]
    assert container.ports[0].container_port == 9000


def test_the_kinds_that_worked_before_still_do(kc, core, sandbox):
    kc("create", "deployment", "web", "--image=registry.local/web:1", "--replicas=0")
    dep = client.AppsV1Api(sandbox.api_client()).read_namespaced_deployment("web", NS)
    assert dep.spec.replicas == 0
    kc("create", "cronjob", "nightly", "--image=registry.local/etl:2", "--schedule=0 3 * * *")
    kc("create", "job", "from-nightly", "--from=cronjob/nightly")
    batch = client.BatchV1Api(sandbox.api_client())
    job = batch.read_namespaced_job("from-nightly", NS)
    assert job.metadata.owner_references[0].name == "nightly"
    assert job.spec.template.spec.containers[0].image == "registry.local/etl:2"
    kc("create", "secret", "generic", "creds", "--from-literal=token=s3cret")
    secret = core.read_namespaced_secret("creds", NS)
    assert base64.b64decode(secret.data["token"]) == b"s3cret"
    kc("create", "configmap", "settings", "--from-literal=mode=fast")
    assert core.read_namespaced_config_map("settings", NS).data == {"mode": "fast"}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl for a certificate")
def test_create_secret_tls(kc, core, tmp_path: Path):
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=trading.local",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    kc("create", "secret", "tls", "edge-cert", f"--cert={cert}", f"--key={key}")
    secret = core.read_namespaced_secret("edge-cert", NS)
    assert secret.type == "kubernetes.io/tls"
    assert base64.b64decode(secret.data["tls.crt"]) == cert.read_bytes()
    assert base64.b64decode(secret.data["tls.key"]) == key.read_bytes()


def test_a_protobuf_body_of_a_kind_without_a_schema_is_refused(sandbox):
    def ld(number: int, payload: bytes) -> bytes:
        return bytes([number << 3 | 2, len(payload)]) + payload

    body = b"k8s\x00" + ld(1, ld(1, b"example.com/v1") + ld(2, b"Widget")) + ld(2, b"")
    req = urllib.request.Request(  # noqa: S310 (a loopback http URL)
        f"{sandbox.url}/api/v1/namespaces/{NS}/configmaps",
        data=body,
        method="POST",
        headers={"Content-Type": PROTOBUF, "Authorization": "Bearer sandbox"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(req, timeout=10)  # noqa: S310 (loopback URL)
    status = json.loads(caught.value.read())
    assert caught.value.code == 415
    assert status["reason"] == "UnsupportedMediaType"
    assert "no protobuf schema for example.com/v1 Widget" in status["message"]
