"""Discovery documents, as kubectl and the client read them."""

from __future__ import annotations

from kubernetes import client

from tests.helpers.cluster import raw


def test_it_serves_core_and_group_discovery(sandbox):
    api = sandbox.api_client()
    core = client.CoreV1Api(api).get_api_resources()
    pods = next(r for r in core.resources if r.name == "pods")
    assert pods.kind == "Pod"
    assert pods.namespaced is True
    assert "po" in pods.short_names
    assert set(pods.verbs) >= {"get", "list", "watch", "create", "delete", "patch", "update"}
    assert {"pods/log", "pods/status"} <= {r.name for r in core.resources}

    groups = {g.name: g for g in client.ApisApi(api).get_api_versions().groups}
    assert {"apps", "batch", "autoscaling", "networking.k8s.io", "events.k8s.io"} <= set(groups)
    assert groups["autoscaling"].preferred_version.version == "v2"

    apps = client.AppsV1Api(api).get_api_resources()
    scale = next(r for r in apps.resources if r.name == "deployments/scale")
    assert (scale.group, scale.version, scale.kind) == ("autoscaling", "v1", "Scale")


def test_it_reports_a_version(sandbox):
    info = client.VersionApi(sandbox.api_client()).get_code()
    assert (info.major, info.minor) == ("1", "37")


def test_it_answers_unknown_paths_with_a_status(sandbox):
    status, body = raw(sandbox.url + "/apis/nope.example.com/v1")
    assert status == 404
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "NotFound", 404)
