"""The gateway's live reads through the official client against the sandbox: errors become
the project's own, logs come back as text, a follow streams new lines."""

from __future__ import annotations

import time

import pytest

from opsconsole.cluster import errors, history, logs, objects
from opsconsole.cluster.config import ClusterConfig
from opsconsole.cluster.kinds import BY_PLURAL
from tests.helpers.live_objects import NAMESPACE, Workspace

# The detail pages' fixtures, named here so that tests/workloads/ needs no conftest of its own.


def cfg(console: Workspace) -> ClusterConfig:
    return ClusterConfig(kubeconfig=str(console.sandbox.kubeconfig), timeout=5)


def test_it_reads_any_kind_as_the_servers_json(console: Workspace) -> None:
    obj = objects.get_object(cfg(console), BY_PLURAL["deployments"], NAMESPACE, "web")
    assert obj["kind"] == "Deployment"
    assert obj["spec"]["template"]["spec"]["containers"][0]["name"] == "app"
    node = objects.get_object(cfg(console), BY_PLURAL["nodes"], None, "sandbox-cpu-1")
    assert node["kind"] == "Node"


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (403, errors.Forbidden, ""),
        (429, errors.Throttled, ""),
        (409, errors.Conflict, ""),
        (422, errors.Invalid, ""),
        (400, errors.Invalid, ""),
        (503, errors.ClusterUnreachable, "answered 503"),
    ],
)
def test_api_errors_become_the_projects_own(
    console: Workspace, status: int, error: type[errors.ClusterError], message: str
) -> None:
    console.sandbox.add_fault("get", "deployments/web", status=status, retry_after=3)
    with pytest.raises(error, match=message or None) as raised:
        objects.get_object(cfg(console), BY_PLURAL["deployments"], NAMESPACE, "web")
    if isinstance(raised.value, errors.Throttled):
        assert raised.value.retry_after == 3


def test_not_found_keeps_the_servers_message(console: Workspace) -> None:
    with pytest.raises(errors.NotFound, match=r'deployments\.apps "nope" not found'):
        objects.get_object(cfg(console), BY_PLURAL["deployments"], NAMESPACE, "nope")


def test_a_dropped_connection_is_unreachable(console: Workspace) -> None:
    console.sandbox.add_fault("get", "deployments/web", drop=True)
    with pytest.raises(errors.ClusterUnreachable, match="no answer from the API server"):
        objects.get_object(cfg(console), BY_PLURAL["deployments"], NAMESPACE, "web")


def test_a_slow_server_times_out_quickly(console: Workspace) -> None:
    console.sandbox.add_fault("get", "deployments/web", latency_ms=3000)
    fast = ClusterConfig(kubeconfig=str(console.sandbox.kubeconfig), timeout=0.5)
    started = time.monotonic()
    with pytest.raises(errors.ClusterUnreachable, match="did not answer in time"):
        objects.get_object(fast, BY_PLURAL["deployments"], NAMESPACE, "web")
    assert time.monotonic() - started < 2.5


def test_owned_pods_events_and_the_autoscaler(console: Workspace) -> None:
    config = cfg(console)
    deployment = objects.get_object(config, BY_PLURAL["deployments"], NAMESPACE, "web")
    pods = objects.pods_for(config, BY_PLURAL["deployments"], deployment)
    assert sorted(p["metadata"]["name"] for p in pods) == sorted(
        p["metadata"]["name"] for p in console.pods("app=web")
    )
    events = objects.events_for(config, deployment)
    assert any(e.reason == "ScalingReplicaSet" for e in events)
    hpa = objects.hpa_for(config, BY_PLURAL["deployments"], deployment)
    assert hpa is not None
    assert hpa["metadata"]["name"] == "web"
    daemonset = objects.get_object(config, BY_PLURAL["daemonsets"], NAMESPACE, "agent")
    assert len(objects.pods_for(config, BY_PLURAL["daemonsets"], daemonset)) == len(
        console.pods("app=agent")
    )


def test_revisions_name_their_replicasets_and_images(console: Workspace) -> None:
    config = cfg(console)
    deployment = objects.get_object(config, BY_PLURAL["deployments"], NAMESPACE, "web")
    revisions = history.revisions(config, deployment)
    assert revisions[0].current
    assert revisions[0].images == ("registry.local/web:1.0", "registry.local/redis:7")
    assert history.template_diff(config, deployment, 1, 1) == ""


def test_a_log_is_text_not_the_repr_of_bytes(console: Workspace) -> None:
    pod = console.running_pod("app=web")
    lines = logs.read_log(cfg(console), NAMESPACE, pod, logs.LogOptions("app", tail=4))
    assert len(lines) == 4
    assert all(line.time is not None for line in lines)
    assert not any(line.text.startswith("b'") for line in lines)


def test_lines_after_returns_only_newer_lines(console: Workspace) -> None:
    pod = console.running_pod("app=web")
    config = cfg(console)
    last = logs.read_log(config, NAMESPACE, pod, logs.LogOptions("app", tail=1))[-1]
    time.sleep(1.1)
    newer = logs.lines_after(config, NAMESPACE, pod, logs.LogOptions("app"), last.stamp)
    assert newer
    assert all(logs.stamp_nanos(line.stamp) > logs.stamp_nanos(last.stamp) for line in newer)


def test_stamps_of_different_precision_compare_as_times() -> None:
    assert logs.stamp_nanos("2026-01-01T00:00:00.5Z") > logs.stamp_nanos(
        "2026-01-01T00:00:00.123456789Z"
    )
    assert logs.stamp_nanos("2026-01-01T00:00:01Z") > logs.stamp_nanos(
        "2026-01-01T00:00:00.999999999Z"
    )


def test_a_follow_streams_lines_as_the_container_writes_them(console: Workspace) -> None:
    pod = console.running_pod("app=web")
    stream = logs.stream_log(
        cfg(console), NAMESPACE, pod, logs.LogOptions("app", tail=1), follow=True, idle_timeout=5
    )
    received = b""
    started = time.monotonic()
    for piece in stream:
        received += piece
        if received.count(b"\n") >= 3:
            break
    elapsed = time.monotonic() - started
    stream.close()  # type: ignore[attr-defined]
    lines = received.decode().splitlines()
    assert len(lines) >= 3
    assert elapsed >= 0.5  # the lines after the first arrived as written, not all at once


def test_a_log_of_a_container_that_never_ran_is_invalid_with_the_servers_words(
    console: Workspace,
) -> None:
    pod = console.running_pod("app=web")
    with pytest.raises(errors.Invalid, match="previous terminated container"):
        logs.read_log(cfg(console), NAMESPACE, pod, logs.LogOptions("app", previous=True))


def test_a_name_cannot_add_a_query_or_a_path_to_the_request(console: Workspace) -> None:
    with pytest.raises(errors.NotFound):
        objects.get_object(cfg(console), BY_PLURAL["pods"], NAMESPACE, "x?labelSelector=app")
    with pytest.raises(errors.NotFound):
        objects.get_object(cfg(console), BY_PLURAL["configmaps"], NAMESPACE, "../../secrets")
