"""pods/log: generated, deterministic logs with the real query parameters."""

from __future__ import annotations

import re
import threading

import pytest
from kubernetes import client

from tests.helpers.cluster import error_body

NS = "trading-system"
OWN = "logs-test"  # pods these tests create


@pytest.fixture(scope="module")
def core(sandbox):
    api = client.CoreV1Api(sandbox.api_client())
    api.create_namespace({"metadata": {"name": OWN}})
    return api


def log(core, name, ns=NS, **kw):
    """The client's read_namespaced_pod_log returns str(bytes) for text bodies (a bug in the
    generated client, the same against a real server), so read the raw response."""
    resp = core.read_namespaced_pod_log(name, ns, _preload_content=False, **kw)
    return resp.data.decode()


def running_pod(sandbox, core, app):
    return sandbox.wait_for(
        lambda: next(
            (
                p
                for p in core.list_namespaced_pod(
                    NS, label_selector=f"app.kubernetes.io/name={app}"
                ).items
                if p.status.phase == "Running" and p.status.container_statuses[0].ready
            ),
            None,
        )
    )


def test_a_trading_engine_logs_orders_and_pnl(sandbox, core):
    pod = running_pod(sandbox, core, "trading-engine")
    pattern = re.compile(r"order: id=ord-[0-9a-f]{8} (BUY|SELL) \d+ \S+ @ [\d.]+")
    text = sandbox.wait_for(
        lambda: (
            (t := log(core, pod.metadata.name, container=pod.spec.containers[0].name))
            and pattern.search(t)
            and t
        )
    )
    assert "engine: trading session open" in text


def test_logs_are_deterministic_and_tail_works(sandbox, core):
    pod = running_pod(sandbox, core, "trading-api-service")
    name, container = pod.metadata.name, pod.spec.containers[0].name
    tail = log(core, name, container=container, tail_lines=2).splitlines()
    full = log(core, name, container=container).splitlines()
    assert len(tail) == 2
    # The log may have grown between the calls, but what was there is still there, in order.
    assert any(full[i : i + 2] == tail for i in range(len(full) - 1))


def test_timestamps_and_since_seconds(sandbox, core):
    pod = running_pod(sandbox, core, "trading-engine")
    name, container = pod.metadata.name, pod.spec.containers[0].name
    text = log(core, name, container=container, timestamps=True, tail_lines=3)
    for line in text.splitlines():
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ", line)
    none = log(core, name, container=container, since_seconds=1, tail_lines=1000)
    everything = log(core, name, container=container)
    assert len(none.splitlines()) < len(everything.splitlines())


def test_previous_needs_a_restart(sandbox, core):
    pod = running_pod(sandbox, core, "trading-engine")
    with pytest.raises(client.ApiException) as exc:
        log(core, pod.metadata.name, container=pod.spec.containers[0].name, previous=True)
    assert exc.value.status == 400
    assert "previous terminated container" in error_body(exc.value)["message"]


def test_previous_logs_of_a_crashed_container(sandbox, core):
    core.create_namespaced_pod(
        OWN,
        {
            "metadata": {
                "name": "logs-crasher",
                "labels": {"app.kubernetes.io/name": "trading-engine-canary"},
                "annotations": {"sandbox.opsconsole.io/crash": "true"},
            },
            "spec": {"containers": [{"name": "engine", "image": "registry.local/engine:1"}]},
        },
    )
    sandbox.wait_for(
        lambda: (
            (p := core.read_namespaced_pod("logs-crasher", OWN))
            and p.status.container_statuses
            and p.status.container_statuses[0].restart_count >= 1
        )
    )
    text = log(core, "logs-crasher", OWN, previous=True)
    assert text.rstrip().endswith("exiting with code 1")


def test_a_pod_with_two_containers_needs_a_container_name(sandbox, core):
    core.create_namespaced_pod(
        OWN,
        {
            "metadata": {"name": "logs-two"},
            "spec": {
                "containers": [
                    {"name": "a", "image": "registry.local/a:1"},
                    {"name": "b", "image": "registry.local/b:1"},
                ]
            },
        },
    )
    with pytest.raises(client.ApiException) as exc:
        core.read_namespaced_pod_log("logs-two", OWN)
    assert exc.value.status == 400
    assert "choose one of: [a b]" in error_body(exc.value)["message"]


def test_follow_streams_new_lines(sandbox, core):
    pod = running_pod(sandbox, core, "trading-engine")
    resp = core.read_namespaced_pod_log(
        pod.metadata.name,
        NS,
        container=pod.spec.containers[0].name,
        follow=True,
        tail_lines=0,
        _preload_content=False,
    )
    got: list[bytes] = []

    def read():
        for chunk in resp.stream(64):
            got.append(chunk)
            if b"\n" in b"".join(got):
                return

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(15)
    resp.release_conn()
    assert b"INFO " in b"".join(got)
