"""The numbers in k8s/README.md's tables are the numbers in the manifests."""

from __future__ import annotations

import pytest

from tests.helpers.manifests import (
    config_map_data,
    container,
    get,
    of_kind,
    pod_template,
)

# README "Resource requirements":
# (kind, workload, container, cpu req, cpu lim, mem req, mem lim, gpu)
RESOURCES = [
    ("Deployment", "trading-api-service", "api-service", "500m", "1000m", "1Gi", "2Gi", None),
    ("Deployment", "trading-engine", "trading-engine", "1000m", "2000m", "2Gi", "4Gi", None),
    ("Deployment", "trading-ml-service", "ml-service", "2000m", "4000m", "4Gi", "8Gi", 1),
    ("Deployment", "trading-data-pipeline", "data-pipeline", "1000m", "2000m", "2Gi", "4Gi", None),
    ("StatefulSet", "postgres", "postgres", "500m", "1000m", "1Gi", "2Gi", None),
    ("StatefulSet", "redis", "redis", "250m", "500m", "512Mi", "1Gi", None),
    ("StatefulSet", "rabbitmq", "rabbitmq", "250m", "500m", "512Mi", "1Gi", None),
]

# README "Horizontal Pod Autoscaler": (deployment, min, max, cpu %, memory %)
HPAS = [
    ("trading-api-service", 3, 10, 70, 80),
    ("trading-engine", 2, 5, 70, 80),
    ("trading-ml-service", 2, 4, 70, 80),
    ("trading-data-pipeline", 2, 6, 70, 80),
]

# README "Storage": (claim, size, access mode)
VOLUMES = [
    ("trading-data-pvc", "100Gi", "ReadWriteMany"),
    ("trading-models-pvc", "50Gi", "ReadWriteMany"),
    ("trading-artifacts-pvc", "20Gi", "ReadWriteMany"),
    ("trading-results-pvc", "10Gi", "ReadWriteMany"),
    ("trading-logs-pvc", "5Gi", "ReadWriteMany"),
    ("trading-mlruns-pvc", "10Gi", "ReadWriteMany"),
]

# README "Environment variables": every service gets all of them.
DOCUMENTED_ENV = [
    "TRADING_RL_AGENT_ALPACA_API_KEY",
    "TRADING_RL_AGENT_ALPACA_SECRET_KEY",
    "TRADING_RL_AGENT_ALPACA_BASE_URL",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_PASSWORD",
    "RABBITMQ_HOST",
    "RABBITMQ_PORT",
    "RABBITMQ_USER",
    "RABBITMQ_PASS",
    "JWT_SECRET",
]
SECRET_ENV = {
    "TRADING_RL_AGENT_ALPACA_API_KEY",
    "TRADING_RL_AGENT_ALPACA_SECRET_KEY",
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "RABBITMQ_PASS",
    "JWT_SECRET",
}
SERVICES = [
    ("trading-api-service", "api-service"),
    ("trading-engine", "trading-engine"),
    ("trading-ml-service", "ml-service"),
    ("trading-data-pipeline", "data-pipeline"),
]


@pytest.mark.parametrize(
    ("kind", "name", "container_name", "cpu_req", "cpu_lim", "mem_req", "mem_lim", "gpu"),
    RESOURCES,
)
def test_requests_and_limits_are_as_documented(
    kind: str,
    name: str,
    container_name: str,
    cpu_req: str,
    cpu_lim: str,
    mem_req: str,
    mem_lim: str,
    gpu: int | None,
) -> None:
    resources = container(kind, name, container_name)["resources"]
    assert resources["requests"]["cpu"] == cpu_req
    assert resources["limits"]["cpu"] == cpu_lim
    assert resources["requests"]["memory"] == mem_req
    assert resources["limits"]["memory"] == mem_lim
    if gpu is None:
        assert "nvidia.com/gpu" not in resources["limits"]
    else:
        assert resources["limits"]["nvidia.com/gpu"] == gpu
        assert resources["requests"]["nvidia.com/gpu"] == gpu


def test_the_ml_service_runs_on_gpu_nodes_only() -> None:
    spec = pod_template(get("Deployment", "trading-ml-service"))["spec"]
    assert spec["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert {
        "key": "nvidia.com/gpu",
        "operator": "Exists",
        "effect": "NoSchedule",
    } in spec["tolerations"]


@pytest.mark.parametrize(("name", "minimum", "maximum", "cpu", "memory"), HPAS)
def test_hpa_is_as_documented(name: str, minimum: int, maximum: int, cpu: int, memory: int) -> None:
    hpa = get("HorizontalPodAutoscaler", name)
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    assert (spec["minReplicas"], spec["maxReplicas"]) == (minimum, maximum)
    targets = {
        m["resource"]["name"]: m["resource"]["target"]
        for m in spec["metrics"]
        if m["type"] == "Resource"
    }
    assert targets == {
        "cpu": {"type": "Utilization", "averageUtilization": cpu},
        "memory": {"type": "Utilization", "averageUtilization": memory},
    }
    # The Deployment starts at the HPA's minimum, so a fresh deploy is not scaled at once.
    assert get("Deployment", name)["spec"]["replicas"] == minimum


def test_only_the_four_services_have_an_hpa() -> None:
    assert {m.name for m in of_kind("HorizontalPodAutoscaler")} == {h[0] for h in HPAS}


def test_vpa_bounds_are_as_documented() -> None:
    vpa = get("VerticalPodAutoscaler", "trading-ml-service")
    assert vpa["spec"]["targetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "trading-ml-service",
    }
    (policy,) = vpa["spec"]["resourcePolicy"]["containerPolicies"]
    assert policy["containerName"] == "ml-service"
    assert policy["minAllowed"] == {"cpu": "1000m", "memory": "2Gi"}
    assert policy["maxAllowed"] == {"cpu": "4000m", "memory": "8Gi"}
    # Never evicts a running GPU pod, and leaves the limits alone (see autoscaling.yaml).
    assert vpa["spec"]["updatePolicy"]["updateMode"] in {"Off", "Initial"}
    assert policy["controlledValues"] == "RequestsOnly"


@pytest.mark.parametrize(("claim", "size", "mode"), VOLUMES)
def test_volumes_are_as_documented(claim: str, size: str, mode: str) -> None:
    spec = get("PersistentVolumeClaim", claim)["spec"]
    assert spec["resources"]["requests"]["storage"] == size
    assert spec["accessModes"] == [mode]


def test_the_documented_volumes_are_all_persistent_volumes_yaml_holds() -> None:
    claims = {
        m.name for m in of_kind("PersistentVolumeClaim") if m.file == "persistent-volumes.yaml"
    }
    assert claims == {v[0] for v in VOLUMES}


@pytest.mark.parametrize(("name", "container_name"), SERVICES)
def test_services_get_every_documented_environment_variable(name: str, container_name: str) -> None:
    env = {e["name"]: e for e in container("Deployment", name, container_name)["env"]}
    assert set(DOCUMENTED_ENV) <= set(env)
    for var in DOCUMENTED_ENV:
        source = env[var]["valueFrom"]
        if var in SECRET_ENV:
            assert source["secretKeyRef"]["name"] == "trading-secrets", var
        else:
            assert source["configMapKeyRef"]["name"] == "trading-config", var


def test_every_referenced_config_and_secret_key_exists() -> None:
    secrets = {m.name: set(m.obj["data"]) for m in of_kind("Secret")}
    config_maps = {m.name: set(m.obj["data"]) for m in of_kind("ConfigMap")}
    for m in of_kind("Deployment", "StatefulSet", "CronJob"):
        spec = pod_template(m.obj)["spec"]
        for c in spec.get("containers", []) + spec.get("initContainers", []):
            for e in c.get("env", []):
                source = e.get("valueFrom", {})
                if "secretKeyRef" in source:
                    ref = source["secretKeyRef"]
                    assert ref["key"] in secrets[ref["name"]], f"{m.id} {e['name']}"
                if "configMapKeyRef" in source:
                    ref = source["configMapKeyRef"]
                    assert ref["key"] in config_maps[ref["name"]], f"{m.id} {e['name']}"
            for source in c.get("envFrom", []):
                assert source["configMapRef"]["name"] in config_maps, m.id


@pytest.mark.parametrize(("name", "container_name"), SERVICES)
def test_services_expose_prometheus_metrics_on_9090(name: str, container_name: str) -> None:
    template = pod_template(get("Deployment", name))
    annotations = template["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == "9090"
    ports = {
        p["name"]: p["containerPort"]
        for p in container("Deployment", name, container_name)["ports"]
    }
    assert ports["metrics"] == 9090
    service_ports = {p["name"]: p["port"] for p in get("Service", name)["spec"]["ports"]}
    assert service_ports["metrics"] == 9090
    assert config_map_data("trading-config")["METRICS_PORT"] == "9090"


def test_placeholders_only_in_secrets() -> None:
    for m in of_kind("Secret"):
        assert "stringData" not in m.obj, m.id
        for key, value in m.obj["data"].items():
            # Placeholders and the public default user name; never a real credential.
            assert value in {"UkVQTEFDRV9NRQ==", "YWRtaW4="}, f"{m.id} {key}"
