"""Detail and YAML pages against the sandbox over HTTP: every kind, what each shows, and the
clear answers when an object is unknown or the API server refuses."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from kubernetes import client as k8s

from opsconsole.cluster.kinds import KINDS, Kind
from tests.helpers.live_objects import (
    NAMESPACE,
    Workspace,
    get,
    kubectl,
)
from tests.helpers.web import signed_in


def text(response: object) -> str:
    """The page's visible text, tags dropped and entities decoded, spaces collapsed."""
    content = response.content.decode()  # type: ignore[attr-defined]
    body = content[content.index("<main") :]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _name_of(console: Workspace, kind: Kind) -> tuple[str, str]:
    """(namespace, name) of an object of `kind` the workspace holds."""
    fixed = {
        "deployments": "web",
        "statefulsets": "store",
        "daemonsets": "agent",
        "jobs": "once",
        "cronjobs": "nightly",
        "services": "web",
        "ingresses": "web",
        "horizontalpodautoscalers": "web",
        "persistentvolumeclaims": "data",
        "configmaps": "web-config",
    }
    if kind.plural in fixed:
        return NAMESPACE, fixed[kind.plural]
    if kind.plural == "nodes":
        return "", "sandbox-cpu-1"
    items = get(console.sandbox, kind.collection_path(NAMESPACE))["items"]
    assert items, f"no {kind.plural} in {NAMESPACE}"
    return NAMESPACE, str(items[0]["metadata"]["name"])


@pytest.mark.parametrize("kind", KINDS, ids=[kind.plural for kind in KINDS])
def test_every_kind_has_a_detail_page_and_a_yaml_page(
    console: Workspace, viewer: User, kind: Kind
) -> None:
    namespace, name = _name_of(console, kind)
    base = (
        f"/ns/{namespace}/{kind.plural}/{name}/" if kind.namespaced else f"/cluster/nodes/{name}/"
    )
    client = signed_in(viewer)

    page = client.get(base)
    assert page.status_code == 200
    assert f"{kind.kind} {name}" in text(page)
    assert "Summary" in text(page)
    assert "Events" in text(page)
    # No template syntax leaks into what staff read (a {# #} comment spans one line only).
    assert not {"{#", "{%", "{{"} & set(re.findall(r"\{[#%{]", text(page)))

    yaml_page = client.get(base + "yaml/")
    assert yaml_page.status_code == 200
    assert f"kind: {kind.kind}" in text(yaml_page)
    assert f"name: {name}" in text(yaml_page)


def test_a_kubectl_short_name_finds_the_same_page(console: Workspace, viewer: User) -> None:
    response = signed_in(viewer).get(f"/ns/{NAMESPACE}/deploy/web/")
    assert response.status_code == 200
    assert "Deployment web" in text(response)


def test_a_deployment_page_shows_its_replicas_strategy_autoscaler_pods_and_audit_trail(
    console: Workspace, viewer: User
) -> None:
    page = text(signed_in(viewer).get(f"/ns/{NAMESPACE}/deployments/web/"))
    assert "Replicas desired 2 · ready 2 · available 2 · updated 2" in page
    assert "Strategy RollingUpdate (maxSurge 1, maxUnavailable 0)" in page
    assert "Selector app=web" in page
    assert "Images registry.local/web:1.0, registry.local/redis:7" in page
    assert "Autoscaled by web:" in page
    assert "min 2, max 5" in page
    assert "Available True MinimumReplicasAvailable" in page
    for pod in console.pods("app=web"):
        assert pod["metadata"]["name"] in page
    raw = signed_in(viewer).get(f"/ns/{NAMESPACE}/deployments/web/").content.decode()
    assert f'href="/audit/?kind=deployment&amp;namespace={NAMESPACE}&amp;name=web"' in raw
    assert f'href="/ns/{NAMESPACE}/horizontalpodautoscalers/web/"' in raw


def test_the_audit_trail_link_opens_the_filtered_audit_log(
    console: Workspace, viewer: User
) -> None:
    response = signed_in(viewer).get(f"/audit/?kind=deployment&namespace={NAMESPACE}&name=web")
    assert response.status_code == 200


def test_a_pod_page_shows_containers_probes_resources_and_environment_references(
    console: Workspace, viewer: User
) -> None:
    pod = console.running_pod("app=web")
    page = text(signed_in(viewer).get(f"/ns/{NAMESPACE}/pods/{pod}/"))
    assert "Status Running" in page
    assert "QoS class Burstable" in page
    assert "Controlled by ReplicaSet web-" in page
    assert "Image registry.local/web:1.0" in page
    assert "Ports http 8080/TCP" in page
    assert "Requests cpu 100m · memory 64Mi" in page
    assert "Limits cpu 500m · memory 128Mi" in page
    assert "liveness HTTP GET /healthz on port 8080 delay 7s · period 11s" in page
    assert "success 1 · failure 4" in page
    assert "readiness TCP port 8080 delay 2s" in page
    assert "LITERAL plain-text" in page
    assert "DB_PASSWORD from Secret db-credentials key password" in page
    assert "MODE from ConfigMap web-config key mode" in page
    assert "every key of Secret db-credentials" in page


def test_a_pod_page_lists_the_secrets_it_references_by_name(
    console: Workspace, viewer: User
) -> None:
    pod = console.running_pod("app=web")
    page = text(signed_in(viewer).get(f"/ns/{NAMESPACE}/pods/{pod}/"))
    section = page[
        page.index("Secrets referenced") : page.index("Events", page.index("Secrets referenced"))
    ]
    assert "db-credentials env DB_PASSWORD of container app (key password)" in section
    assert "db-credentials envFrom of container app" in section
    assert "web-tls volume certs" in section
    assert "regcred imagePullSecrets" in section


def test_no_page_ever_shows_a_secret_value(console: Workspace, viewer: User) -> None:
    from tests.helpers.live_objects import SECRET_B64, SECRET_VALUE

    client = signed_in(viewer)
    pod = console.running_pod("app=web")
    urls = [
        f"/ns/{NAMESPACE}/deployments/web/",
        f"/ns/{NAMESPACE}/deployments/web/yaml/",
        f"/ns/{NAMESPACE}/deployments/web/yaml/?managed=1",
        f"/ns/{NAMESPACE}/replicasets/{console.pods('app=web')[0]['metadata']['ownerReferences'][0]['name']}/",
        f"/ns/{NAMESPACE}/pods/{pod}/",
        f"/ns/{NAMESPACE}/pods/{pod}/yaml/",
        f"/ns/{NAMESPACE}/pods/{pod}/yaml/?download=1",
        f"/ns/{NAMESPACE}/pods/{pod}/logs/?container=app",
        f"/ns/{NAMESPACE}/services/web/",
        f"/ns/{NAMESPACE}/configmaps/web-config/",
        f"/ns/{NAMESPACE}/secrets/db-credentials/",
        f"/ns/{NAMESPACE}/secrets/db-credentials/yaml/",
    ]
    for url in urls:
        response = client.get(url)
        body = response.content.decode()
        assert SECRET_VALUE not in body, url
        assert SECRET_B64 not in body, url
    # The console does not even offer a Secret's page: the kind is not one it shows.
    assert client.get(f"/ns/{NAMESPACE}/secrets/db-credentials/").status_code == 404


def test_events_are_listed_newest_first_with_warnings_marked(
    console: Workspace, viewer: User
) -> None:
    pod = console.running_pod("app=crashy")
    console.sandbox.wait_for(
        lambda: any(
            e.get("type") == "Warning"
            for e in get(console.sandbox, f"/api/v1/namespaces/{NAMESPACE}/events")["items"]
            if e["involvedObject"]["name"] == pod
        )
    )
    raw = signed_in(viewer).get(f"/ns/{NAMESPACE}/pods/{pod}/").content.decode()
    events = raw[raw.index('id="events"') :]
    rows = re.findall(r'<tr class="(event-warning)?">\s*<td class="time">([^<]+)</td>', events)
    assert rows, "no event rows"
    stamps = [stamp for _, stamp in rows]
    assert stamps == sorted(stamps, reverse=True)
    assert any(flag == "event-warning" for flag, _ in rows)
    assert "BackOff" in events


def test_the_yaml_page_hides_managed_fields_unless_asked_and_downloads(
    console: Workspace, viewer: User
) -> None:
    managed_fields = [
        {
            "manager": "kubectl-client-side-apply",
            "operation": "Update",
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {}},
        }
    ]
    with console.sandbox.api_client() as api:
        client_v1 = k8s.CoreV1Api(api)
        body = {
            "metadata": {"name": "managed", "managedFields": managed_fields},
            "data": {"k": "v"},
        }
        client_v1.create_namespaced_config_map(NAMESPACE, body)
    stored = get(console.sandbox, f"/api/v1/namespaces/{NAMESPACE}/configmaps/managed")
    client = signed_in(viewer)
    hidden = text(client.get(f"/ns/{NAMESPACE}/configmaps/managed/yaml/"))
    assert "managedFields" not in hidden.replace("Show managedFields", "")
    assert stored["metadata"]["managedFields"]  # the server kept them: hidden by the page
    shown = text(client.get(f"/ns/{NAMESPACE}/configmaps/managed/yaml/?managed=1"))
    # Whichever manager the server recorded (it tracks writes itself) is what the page shows.
    assert f"manager: {stored['metadata']['managedFields'][0]['manager']}" in shown
    download = client.get(f"/ns/{NAMESPACE}/configmaps/managed/yaml/?download=1")
    assert download["Content-Disposition"] == (
        f'attachment; filename="configmap-{NAMESPACE}-managed.yaml"'
    )
    assert b"kind: ConfigMap" in download.content
    assert b"managedFields" not in download.content


def test_history_and_template_diff_after_kubectl_set_image(
    console: Workspace, viewer: User
) -> None:
    kubectl(
        console.sandbox, "apply", "-f", "-", stdin=_history_deployment("registry.local/hist:1.0")
    )
    path = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/hist"
    console.sandbox.wait_for(
        lambda: get(console.sandbox, path).get("status", {}).get("readyReplicas")
    )
    kubectl(
        console.sandbox,
        "-n",
        NAMESPACE,
        "set",
        "image",
        "deployment/hist",
        "app=registry.local/hist:2.0",
    )
    console.sandbox.wait_for(
        lambda: (
            get(console.sandbox, path)["metadata"]["annotations"].get(
                "deployment.kubernetes.io/revision"
            )
            == "2"
        )
    )
    client = signed_in(viewer)
    page = text(client.get(f"/ns/{NAMESPACE}/deployments/hist/"))
    history = page[page.index("Revision history") :]
    assert re.search(r"2 current hist-\w+ registry\.local/hist:2\.0", history)
    assert re.search(r"1 hist-\w+ registry\.local/hist:1\.0", history)

    fragment = client.get(
        f"/ns/{NAMESPACE}/deployments/hist/diff/?old=1&new=2", headers={"HX-Request": "true"}
    )
    body = fragment.content.decode()
    assert "<html" not in body  # a fragment for the page, not a page
    assert "--- revision 1" in body
    assert "+++ revision 2" in body
    lines = html.unescape(re.sub(r"<[^>]+>", "", body))
    assert re.search(r"^-\s+(- )?image: registry\.local/hist:1\.0$", lines, re.M)
    assert re.search(r"^\+\s+(- )?image: registry\.local/hist:2\.0$", lines, re.M)
    assert '<span class="diff-del">' in body
    assert "pod-template-hash" not in body
    # The same address without htmx is a page of its own (a link that works without JS).
    full = client.get(f"/ns/{NAMESPACE}/deployments/hist/diff/?old=1&new=2")
    assert "<html" in full.content.decode()
    assert "image: registry.local/hist:2.0" in text(full)
    same = text(client.get(f"/ns/{NAMESPACE}/deployments/hist/diff/?old=2&new=2"))
    assert "have the same pod template" in same
    missing = client.get(
        f"/ns/{NAMESPACE}/deployments/hist/diff/?old=1&new=9", headers={"HX-Request": "true"}
    )
    assert 'revision 9 of deployment "hist" not found' in html.unescape(missing.content.decode())


def _history_deployment(image: str) -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: hist, namespace: {NAMESPACE}}}\n"
        "spec:\n  replicas: 1\n  selector: {matchLabels: {app: hist}}\n  template:\n"
        "    metadata: {labels: {app: hist}}\n"
        f"    spec: {{containers: [{{name: app, image: '{image}'}}]}}\n"
    )


def test_a_job_page_links_to_its_pods_logs(console: Workspace, viewer: User) -> None:
    raw = signed_in(viewer).get(f"/ns/{NAMESPACE}/jobs/once/").content.decode()
    pods = console.pods("job-name=once") or [
        p for p in console.pods("") if p["metadata"]["name"].startswith("once-")
    ]
    assert pods
    name = pods[0]["metadata"]["name"]
    assert f'href="/ns/{NAMESPACE}/pods/{name}/logs/"' in raw
    page = text(signed_in(viewer).get(f"/ns/{NAMESPACE}/jobs/once/"))
    assert "Completions 1/1" in page
    assert "Status Complete" in page


def test_a_node_page_shows_capacity_gpus_taints_and_its_pods(
    console: Workspace, viewer: User
) -> None:
    nodes = get(console.sandbox, "/api/v1/nodes")["items"]
    gpu = next(n for n in nodes if "nvidia.com/gpu" in n["status"].get("capacity", {}))
    name = gpu["metadata"]["name"]
    page = text(signed_in(viewer).get(f"/cluster/nodes/{name}/"))
    capacity = gpu["status"]["capacity"]
    allocatable = gpu["status"]["allocatable"]
    assert f"cpu {capacity['cpu']} {allocatable['cpu']}" in page
    assert f"memory {capacity['memory']} {allocatable['memory']}" in page
    assert f"GPU (nvidia.com/gpu) {capacity['nvidia.com/gpu']}" in page
    taint = gpu["spec"]["taints"][0]
    assert taint["key"] in page
    assert taint["effect"] in page
    web = console.pods("app=web")[0]
    on_node = text(signed_in(viewer).get(f"/cluster/nodes/{web['spec']['nodeName']}/"))
    assert web["metadata"]["name"] in on_node
    # The web pod alone asks 100m of cpu there: the requested column shows at least that.
    cpu = re.search(r"cpu \S+ \S+ (\d+)m (\d+)%", on_node) or re.search(
        r"cpu \S+ \S+ ([\d.]+) (\d+)%", on_node
    )
    assert cpu
    assert "Requested (pods in trading-system, pages-test)" in on_node


# -- what is not there, and what may not be read ---------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (
            f"/ns/{NAMESPACE}/deployments/no-such-thing/",
            'deployments.apps "no-such-thing" not found',
        ),
        (f"/ns/{NAMESPACE}/pods/no-such-pod/logs/", 'pods "no-such-pod" not found'),
        (f"/ns/{NAMESPACE}/pods/no-such-pod/yaml/", 'pods "no-such-pod" not found'),
        ("/cluster/nodes/no-such-node/", 'nodes "no-such-node" not found'),
        (f"/ns/{NAMESPACE}/widgets/x/", 'The console shows no kind called "widgets"'),
        (f"/ns/{NAMESPACE}/secrets/db-credentials/", "Secrets are not shown: the console holds"),
        ("/ns/kube-system/pods/x/", 'Namespace "kube-system" is not one this console shows'),
        (f"/ns/{NAMESPACE}/nodes/x/", "Nodes live under /cluster/"),
        (f"/ns/{NAMESPACE}/pods/web%3Fwatch%3D1/", '"web?watch=1" is not a Kubernetes object name'),
        ("/cluster/nodes/Node_1/", '"Node_1" is not a Kubernetes object name'),
    ],
)
def test_an_unknown_object_is_a_404_page_that_says_what_was_not_found(
    console: Workspace, viewer: User, url: str, says: str
) -> None:
    response = signed_in(viewer).get(url)
    assert response.status_code == 404
    assert says in text(response)


def test_an_unreachable_cluster_is_a_clear_page_not_a_500(
    settings: object, viewer: User, tmp_path: object
) -> None:
    from pathlib import Path

    from django.core.cache import cache

    from tests.helpers.cluster import closed_port_kubeconfig as _closed_port_kubeconfig

    settings.KUBECONFIG = str(_closed_port_kubeconfig(Path(str(tmp_path))))  # type: ignore[attr-defined]
    settings.OPSCONSOLE_NAMESPACES = [NAMESPACE]  # type: ignore[attr-defined]
    cache.clear()
    client = signed_in(viewer)
    for url in (
        f"/ns/{NAMESPACE}/deployments/web/",
        f"/ns/{NAMESPACE}/deployments/web/yaml/",
        f"/ns/{NAMESPACE}/pods/web-1/logs/",
        "/cluster/nodes/sandbox-cpu-1/",
    ):
        response = client.get(url)
        assert response.status_code == 503, url
        page = text(response)
        assert "The cluster does not answer" in page
        assert "no answer from the API server at http://127.0.0.1:" in page
    cache.clear()


def test_a_kind_the_console_may_not_read_says_so(console: Workspace, viewer: User) -> None:
    console.sandbox.add_fault("get", "deployments/web", status=403, count=1)
    response = signed_in(viewer).get(f"/ns/{NAMESPACE}/deployments/web/")
    assert response.status_code == 403
    page = text(response)
    assert "Not allowed to read this" in page
    assert f"The console's identity may not read Deployment {NAMESPACE}/web" in page


def test_events_it_may_not_read_are_said_in_their_section_and_the_page_still_shows(
    console: Workspace, viewer: User
) -> None:
    console.sandbox.add_fault("list", "/events", status=403, count=1)
    response = signed_in(viewer).get(f"/ns/{NAMESPACE}/deployments/web/")
    assert response.status_code == 200
    page = text(response)
    assert "Replicas desired 2" in page
    assert "The console's identity may not read events" in page


def test_a_throttled_read_says_when_to_try_again(console: Workspace, viewer: User) -> None:
    console.sandbox.add_fault("get", "deployments/web", status=429, retry_after=7, count=1)
    response = signed_in(viewer).get(f"/ns/{NAMESPACE}/deployments/web/")
    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    assert "try again in 7 s" in text(response)


def test_a_failing_api_server_is_a_clear_page(console: Workspace, viewer: User) -> None:
    console.sandbox.add_fault("get", "deployments/web", status=500, count=1)
    response = signed_in(viewer).get(f"/ns/{NAMESPACE}/deployments/web/")
    assert response.status_code == 503
    assert "The cluster does not answer" in text(response)
    assert "answered 500" in text(response)


def test_pages_need_a_signed_in_user(console: Workspace) -> None:
    response = Client().get(f"/ns/{NAMESPACE}/deployments/web/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _requests_made(console: Workspace, url: str, viewer: User) -> list[str]:
    """The API requests one page view makes, counted by the sandbox (a 1 ms latency rule
    matching every API path counts its hits)."""
    console.sandbox.clear_faults()
    counted = {
        verb: console.sandbox.add_fault(verb, "^/apis?/", count=None, latency_ms=1)
        for verb in ("get", "list", "watch")
    }
    assert signed_in(viewer).get(url).status_code == 200
    hits = {rule["id"]: rule["hits"] for rule in console.sandbox.faults()}
    console.sandbox.clear_faults()
    return [verb for verb, rule in counted.items() for _ in range(hits.get(rule, 0))]


def test_a_page_reads_its_object_live_in_a_few_requests(console: Workspace, viewer: User) -> None:
    # The object, its autoscaler, events, ReplicaSets (once, for pods and history), pods.
    assert sorted(_requests_made(console, f"/ns/{NAMESPACE}/deployments/web/", viewer)) == [
        "get",
        "list",
        "list",
        "list",
        "list",
    ]
    pod = console.running_pod("app=web")
    # The pod, its usage (metrics API), its events.
    assert sorted(_requests_made(console, f"/ns/{NAMESPACE}/pods/{pod}/", viewer)) == [
        "get",
        "get",
        "list",
    ]
    assert _requests_made(console, f"/ns/{NAMESPACE}/pods/{pod}/yaml/", viewer) == ["get"]


def test_a_pod_page_shows_usage_against_requests_and_limits(
    console: Workspace, viewer: User
) -> None:
    pod = console.running_pod("app=web")
    path = f"/apis/metrics.k8s.io/v1beta1/namespaces/{NAMESPACE}/pods/{pod}"
    console.sandbox.wait_for(lambda: get(console.sandbox, path).get("containers"))
    page = text(signed_in(viewer).get(f"/ns/{NAMESPACE}/pods/{pod}/"))
    assert re.search(r"In use cpu \d+m \(\d+% of request, \d+% of limit\)", page)
    assert re.search(r"memory \d+Mi \(\d+% of request, \d+% of limit\)", page)


def test_without_a_metrics_api_the_page_says_so_and_still_shows(
    console: Workspace, viewer: User
) -> None:
    console.sandbox.add_fault("get", "metrics.k8s.io", status=404, count=None)
    pod = console.running_pod("app=web")
    response = signed_in(viewer).get(f"/ns/{NAMESPACE}/pods/{pod}/")
    assert response.status_code == 200
    page = text(response)
    assert "No usage figures:" in page
    assert "In use" not in page
    assert "Requests cpu 100m · memory 64Mi" in page


def test_a_cronjob_page_lists_its_jobs_and_their_pods(console: Workspace, viewer: User) -> None:
    kubectl(
        console.sandbox,
        "-n",
        NAMESPACE,
        "create",
        "job",
        "--from=cronjob/nightly",
        "nightly-by-hand",
    )
    pods = console.sandbox.wait_for(
        lambda: [
            p for p in console.pods("") if p["metadata"]["name"].startswith("nightly-by-hand-")
        ]
    )
    raw = signed_in(viewer).get(f"/ns/{NAMESPACE}/cronjobs/nightly/").content.decode()
    assert f'href="/ns/{NAMESPACE}/jobs/nightly-by-hand/"' in raw
    assert f'href="/ns/{NAMESPACE}/pods/{pods[0]["metadata"]["name"]}/logs/"' in raw
