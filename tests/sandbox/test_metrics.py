"""/metrics: exporter names, labels and values that follow the cluster's state."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest
from kubernetes import client

from tests.helpers.cluster import deployment

NS = "trading-system"
OWN = "metrics-test"  # what these tests create, away from the seeded trading system
README = Path(__file__).resolve().parents[2] / "k8s" / "README.md"


def scrape(sandbox) -> str:
    with urllib.request.urlopen(sandbox.url + "/metrics", timeout=10) as resp:  # noqa: S310
        assert resp.headers["Content-Type"].startswith("text/plain")
        text: str = resp.read().decode()
        return text


def series(text: str, name: str, **labels: str) -> list[float]:
    out = []
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            out.append(float(line.rsplit(" ", 1)[1]))
    return out


def test_every_metric_the_alert_rules_expect_is_exported(sandbox):
    section = README.read_text().split("## Metrics the alert rules expect", 1)[1]
    section = section.split("\n## ", 1)[0]
    expected = re.findall(r"^\| `([A-Za-z_:]+)` \|", section, re.M)
    expected = [m for m in expected if m != "up"]  # written by Prometheus, not exporters
    assert "trading_pnl_usd" in expected
    text = sandbox.wait_for(lambda: (t := scrape(sandbox)) and "trading_pnl_usd{" in t and t)
    for name in [
        *expected,
        "trading_volume_usd_total",
        "kube_pod_container_status_restarts_total",
        "DCGM_FI_DEV_FB_USED",
        "ml_inference_latency_seconds_bucket",
        "kube_pod_status_phase",
        "kube_job_status_succeeded",
    ]:
        assert re.search(rf"^{name}{{", text, re.M), name


def test_the_exposition_format_is_well_formed(sandbox):
    text = scrape(sandbox)
    sample = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+]+$")
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or sample.match(line), line
    assert "# TYPE http_request_duration_seconds histogram" in text


def test_labels_follow_the_exporters(sandbox):
    text = scrape(sandbox)
    assert series(text, "kube_deployment_spec_replicas", namespace=NS, deployment="trading-engine")
    assert series(
        text,
        "http_requests_total",
        namespace=NS,
        app="trading-api-service",
        method="GET",
        status="200",
    )
    assert series(text, "trading_orders_total", app="trading-engine", result="filled")
    gpu = series(text, "DCGM_FI_DEV_GPU_UTIL", namespace=NS)
    assert gpu
    assert all(0 <= v <= 100 for v in gpu)


def test_counters_grow_between_scrapes(sandbox):
    first = sum(series(scrape(sandbox), "container_cpu_usage_seconds_total", namespace=NS))
    sandbox.wait_for(
        lambda: (
            sum(series(scrape(sandbox), "container_cpu_usage_seconds_total", namespace=NS)) > first
        ),
        timeout=15,
    )


@pytest.fixture(scope="module")
def own(sandbox):
    client.CoreV1Api(sandbox.api_client()).create_namespace({"metadata": {"name": OWN}})
    return OWN


def test_a_scaled_down_deployment_stops_reporting_its_pods(sandbox, own):
    apps = client.AppsV1Api(sandbox.api_client())
    apps.create_namespaced_deployment(OWN, deployment("metrics-web", replicas=2))

    def reporting():
        return [
            line
            for line in scrape(sandbox).splitlines()
            if line.startswith("container_memory_working_set_bytes{")
            and 'pod="metrics-web-' in line
        ]

    sandbox.wait_for(lambda: len(reporting()) == 2)
    apps.patch_namespaced_deployment_scale("metrics-web", OWN, {"spec": {"replicas": 0}})
    sandbox.wait_for(lambda: not reporting())
    text = scrape(sandbox)
    assert series(text, "kube_deployment_spec_replicas", deployment="metrics-web") == [0.0]


def test_a_failing_pod_raises_its_error_counters(sandbox, own):
    core = client.CoreV1Api(sandbox.api_client())
    for name, faulty in (("metrics-ok", False), ("metrics-bad", True)):
        annotations = {"sandbox.opsconsole.io/errors": "true"} if faulty else {}
        core.create_namespaced_pod(
            OWN,
            {
                "metadata": {
                    "name": name,
                    "annotations": annotations,
                    "labels": {"app.kubernetes.io/name": "trading-api-service"},
                },
                "spec": {"containers": [{"name": "api", "image": "registry.local/api:1"}]},
            },
        )
    sandbox.wait_for(
        lambda: (
            len(series(scrape(sandbox), "http_requests_total", pod="metrics-bad", status="503"))
            == 1
        )
    )

    def error_ratio(pod):
        text = scrape(sandbox)
        errors = sum(series(text, "http_requests_total", pod=pod, status="503"))
        errors += sum(series(text, "http_requests_total", pod=pod, status="500"))
        total = sum(series(text, "http_requests_total", pod=pod))
        return errors / total if total else 0.0

    sandbox.wait_for(lambda: error_ratio("metrics-bad") > 0.2, timeout=15)
    sandbox.wait_for(
        lambda: (
            0 < error_ratio("metrics-ok") < 0.05
            or (
                error_ratio("metrics-ok") == 0
                and series(scrape(sandbox), "http_requests_total", pod="metrics-ok")
            )
        ),
        timeout=15,
    )
