"""The API server's own request metrics on /metrics: exactly the requests a client made."""

from __future__ import annotations

import re
import threading
import time
import urllib.request
from collections import Counter

import pytest
from kubernetes import client, watch

from tests.helpers.cluster import kubectl
from tests.helpers.sandbox import ApiRequest


@pytest.fixture
def core(bare_sandbox):
    return client.CoreV1Api(bare_sandbox.api_client())


def scrape(sandbox) -> str:
    with urllib.request.urlopen(sandbox.url + "/metrics", timeout=10) as resp:  # noqa: S310
        text: str = resp.read().decode()
        return text


def test_a_list_a_get_a_watch_and_a_patch_move_exactly_their_counters(bare_sandbox, core):
    core.create_namespace({"metadata": {"name": "counted"}})
    core.create_namespaced_config_map("counted", {"metadata": {"name": "cm"}})
    before = bare_sandbox.requests_made()

    core.list_namespaced_config_map("counted")
    core.read_namespaced_config_map("cm", "counted")
    for _ in watch.Watch().stream(core.list_namespaced_config_map, "counted", timeout_seconds=1):
        pass
    core.patch_namespaced_config_map("cm", "counted", {"data": {"k": "v"}})
    with pytest.raises(client.ApiException):
        core.read_namespaced_config_map("missing", "counted")

    moved = bare_sandbox.requests_made() - before
    assert moved == Counter(
        {
            ApiRequest("LIST", "configmaps", scope="namespace", version="v1"): 1,
            ApiRequest("GET", "configmaps", scope="resource", version="v1"): 1,
            ApiRequest("WATCH", "configmaps", scope="namespace", version="v1"): 1,
            ApiRequest("PATCH", "configmaps", scope="resource", version="v1"): 1,
            ApiRequest("GET", "configmaps", code="404", scope="resource", version="v1"): 1,
        }
    )


def test_verbs_are_named_as_the_real_server_names_them(bare_sandbox, core):
    apps = client.AppsV1Api(bare_sandbox.api_client())
    core.create_namespace({"metadata": {"name": "verbs"}})
    before = bare_sandbox.requests_made()
    body = {"metadata": {"name": "cm"}}
    core.create_namespaced_config_map("verbs", body, dry_run="All")
    core.create_namespaced_config_map("verbs", body)
    core.replace_namespaced_config_map(
        "cm", "verbs", core.read_namespaced_config_map("cm", "verbs")
    )
    core.list_config_map_for_all_namespaces()
    core.delete_collection_namespaced_config_map("verbs", label_selector="none=here")
    core.delete_namespaced_config_map("cm", "verbs")
    apps.list_namespaced_deployment("verbs")
    moved = bare_sandbox.requests_made() - before
    assert moved == Counter(
        {
            ApiRequest("POST", "configmaps", code="201", scope="resource", version="v1"): 1,
            ApiRequest(
                "POST", "configmaps", code="201", scope="resource", version="v1", dry_run="All"
            ): 1,
            ApiRequest("GET", "configmaps", scope="resource", version="v1"): 1,
            ApiRequest("PUT", "configmaps", scope="resource", version="v1"): 1,
            ApiRequest("LIST", "configmaps", scope="cluster", version="v1"): 1,
            # k8s.io/apiserver reports a collection delete as DELETE with a namespace scope.
            ApiRequest("DELETE", "configmaps", scope="namespace", version="v1"): 1,
            ApiRequest("DELETE", "configmaps", scope="resource", version="v1"): 1,
            ApiRequest("LIST", "deployments", scope="namespace", group="apps", version="v1"): 1,
        }
    )


def test_apply_and_log_requests_are_apply_and_connect(bare_sandbox, core, tmp_path):
    kc = bare_sandbox.kubeconfig
    core.create_namespace({"metadata": {"name": "applied"}})
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}}
    core.create_namespaced_pod("applied", pod)
    bare_sandbox.wait_for(
        lambda: core.read_namespaced_pod("p", "applied").status.phase == "Running"
    )
    before = bare_sandbox.requests_made()
    kubectl(kc, "apply", "--server-side", "-n", "applied", "-f", str(manifest))
    core.read_namespaced_pod_log("p", "applied", _preload_content=False)
    moved = bare_sandbox.requests_made() - before
    assert moved[ApiRequest("APPLY", "configmaps", "", "201", "resource", version="v1")] == 1
    assert moved[ApiRequest("CONNECT", "pods", "log", scope="resource", version="v1")] == 1


def test_open_watches_are_long_running_requests(bare_sandbox, core):
    gauge = re.compile(
        r'^apiserver_longrunning_requests\{verb="WATCH",group="",version="v1",'
        r'resource="pods",subresource="",scope="cluster",component="apiserver"\} (\d+)$',
        re.M,
    )
    started = threading.Event()

    def follow() -> None:
        started.set()
        for _ in watch.Watch().stream(core.list_pod_for_all_namespaces, timeout_seconds=2):
            pass

    t = threading.Thread(target=follow, daemon=True)
    t.start()
    started.wait(5)
    bare_sandbox.wait_for(lambda: (m := gauge.search(scrape(bare_sandbox))) and m[1] == "1")
    t.join(10)
    after = gauge.search(scrape(bare_sandbox))
    assert after is not None
    assert after[1] == "0"


def test_durations_are_a_histogram_with_the_real_buckets(bare_sandbox, core):
    core.list_namespace()
    text = scrape(bare_sandbox)
    labels = (
        'verb="LIST",dry_run="",group="",version="v1",resource="namespaces",subresource="",'
        'scope="cluster",component="apiserver"'
    )
    bucket = rf'^apiserver_request_duration_seconds_bucket\{{{labels},le="([^"]+)"\}}'
    les = re.findall(bucket, text, re.M)
    assert les[:3] == ["0.005", "0.025", "0.05"]
    assert les[-2:] == ["60", "+Inf"]
    assert re.search(rf"^apiserver_request_duration_seconds_count\{{{labels}\}} 1$", text, re.M)
    assert "# TYPE apiserver_request_duration_seconds histogram" in text


def test_probes_metrics_and_sandbox_controls_are_not_counted(bare_sandbox):
    before = bare_sandbox.requests_made()
    for path in ("/healthz", "/readyz", "/metrics", "/sandbox"):
        urllib.request.urlopen(bare_sandbox.url + path, timeout=10).read()  # noqa: S310
    api = bare_sandbox.api_client()
    client.VersionApi(api).get_code()
    client.CoreApi(api).get_api_versions()
    client.ApisApi(api).get_api_versions()
    bare_sandbox.faults()
    time.sleep(0.05)
    assert bare_sandbox.requests_made() - before == Counter()


def test_a_faulted_request_is_counted_with_the_code_the_client_saw(bare_sandbox, core):
    bare_sandbox.add_fault("list", "namespaces", status=429, retry_after=1)
    before = bare_sandbox.requests_made()
    with pytest.raises(client.ApiException):
        core.list_namespace()
    moved = bare_sandbox.requests_made() - before
    assert moved == Counter({ApiRequest("LIST", "namespaces", "", "429", "cluster", "", "v1"): 1})
