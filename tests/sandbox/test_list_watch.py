"""Lists, selectors, paging and watch, through the official client."""

from __future__ import annotations

import threading

import pytest
from kubernetes import client, watch

from tests.helpers.cluster import error_body

NS = "trading-system"


@pytest.fixture
def core(bare_sandbox):
    api = client.CoreV1Api(bare_sandbox.api_client())
    api.create_namespace({"metadata": {"name": "lw"}})
    for i, (tier, env) in enumerate(
        [("web", "prod"), ("web", "dev"), ("db", "prod"), ("cache", None)]
    ):
        labels = {"tier": tier, **({"env": env} if env else {})}
        api.create_namespaced_config_map("lw", {"metadata": {"name": f"cm-{i}", "labels": labels}})
    return api


def names(items):
    # Every namespace also holds the kube-root-ca.crt ConfigMap, as on a real cluster.
    return sorted(i.metadata.name for i in items if i.metadata.name != "kube-root-ca.crt")


def test_lists_carry_kind_api_version_and_resource_version(core):
    result = core.list_namespaced_config_map("lw")
    assert result.kind == "ConfigMapList"
    assert result.api_version == "v1"
    assert int(result.metadata.resource_version) > 0


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tier=web", ["cm-0", "cm-1"]),
        ("tier==web,env=prod", ["cm-0"]),
        ("tier!=web", ["cm-2", "cm-3"]),
        ("tier in (db,cache)", ["cm-2", "cm-3"]),
        ("tier notin (db,cache)", ["cm-0", "cm-1"]),
        ("env", ["cm-0", "cm-1", "cm-2"]),
        ("!env", ["cm-3"]),
        ("env notin (dev)", ["cm-0", "cm-2", "cm-3"]),
    ],
)
def test_label_selectors(core, selector, expected):
    assert names(core.list_namespaced_config_map("lw", label_selector=selector).items) == expected


def test_field_selectors(core):
    got = core.list_namespaced_config_map("lw", field_selector="metadata.name=cm-2")
    assert names(got.items) == ["cm-2"]
    got = core.list_namespaced_config_map("lw", field_selector="metadata.name!=cm-2")
    assert names(got.items) == ["cm-0", "cm-1", "cm-3"]


def test_unsupported_field_selector_is_a_bad_request(core):
    with pytest.raises(client.ApiException) as exc:
        core.list_namespaced_config_map("lw", field_selector="data.x=1")
    assert exc.value.status == 400
    assert error_body(exc.value)["reason"] == "BadRequest"


def test_pod_field_selectors(sandbox):
    api = client.CoreV1Api(sandbox.api_client())
    sandbox.wait_for(
        lambda: api.list_namespaced_pod(NS, field_selector="status.phase=Running").items
    )
    running = api.list_namespaced_pod(NS, field_selector="status.phase=Running").items
    node = running[0].spec.node_name
    on_node = api.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}").items
    assert on_node
    assert all(p.spec.node_name == node for p in on_node)


def test_paging_is_stable_under_writes(core):
    for i in range(4, 12):
        core.create_namespaced_config_map("lw", {"metadata": {"name": f"cm-{i:02d}"}})
    first = core.list_namespaced_config_map("lw", limit=5)
    assert len(first.items) == 5
    assert first.metadata._continue
    assert first.metadata.remaining_item_count is None or first.metadata.remaining_item_count > 0
    # Writes between pages neither break the token nor duplicate what was already returned.
    core.create_namespaced_config_map("lw", {"metadata": {"name": "aaa-new"}})
    core.delete_namespaced_config_map(first.items[0].metadata.name, "lw")
    seen = names(first.items)
    token = first.metadata._continue
    while token:
        page = core.list_namespaced_config_map("lw", limit=5, _continue=token)
        seen += names(page.items)
        token = page.metadata._continue
    assert len(seen) == len(set(seen))
    assert "aaa-new" not in seen  # it sorts before the token's position
    assert {f"cm-{i:02d}" for i in range(4, 12)} <= set(seen)


def test_a_compacted_continue_token_is_gone(bare_sandbox, core):
    first = core.list_namespaced_config_map("lw", limit=1)
    core.create_namespaced_config_map("lw", {"metadata": {"name": "later"}})
    bare_sandbox.compact()
    with pytest.raises(client.ApiException) as exc:
        core.list_namespaced_config_map("lw", limit=1, _continue=first.metadata._continue)
    assert exc.value.status == 410
    assert error_body(exc.value)["reason"] == "Expired"


def test_watch_streams_added_modified_deleted(core):
    rv = core.list_namespaced_config_map("lw").metadata.resource_version
    events: list[tuple[str, str]] = []
    done = threading.Event()

    def consume():
        w = watch.Watch()
        for ev in w.stream(
            core.list_namespaced_config_map,
            "lw",
            resource_version=rv,
            label_selector="tier=watched",
            timeout_seconds=10,
        ):
            events.append((ev["type"], ev["object"].metadata.name))
            if ev["type"] == "DELETED":
                w.stop()
        done.set()

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    core.create_namespaced_config_map(
        "lw", {"metadata": {"name": "w1", "labels": {"tier": "watched"}}}
    )
    core.create_namespaced_config_map("lw", {"metadata": {"name": "w-other"}})
    core.patch_namespaced_config_map("w1", "lw", {"data": {"k": "v"}})
    core.delete_namespaced_config_map("w1", "lw")
    assert done.wait(15)
    assert events == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]


def test_watch_sends_deleted_when_an_object_stops_matching(core):
    rv = core.list_namespaced_config_map("lw").metadata.resource_version
    core.patch_namespaced_config_map("cm-0", "lw", {"metadata": {"labels": {"tier": "gone"}}})
    w = watch.Watch()
    got = []
    for ev in w.stream(
        core.list_namespaced_config_map,
        "lw",
        resource_version=rv,
        label_selector="tier=web",
        timeout_seconds=2,
    ):
        got.append((ev["type"], ev["object"].metadata.name))
        w.stop()
    assert got == [("DELETED", "cm-0")]


def test_watch_without_resource_version_starts_with_the_current_objects(core):
    w = watch.Watch()
    got = []
    for ev in w.stream(core.list_namespaced_config_map, "lw", timeout_seconds=1):
        got.append((ev["type"], ev["object"].metadata.name))
        if len(got) == 4:
            w.stop()
    assert got == [("ADDED", f"cm-{i}") for i in range(4)]


def test_watch_bookmarks(bare_sandbox, core):
    rv = core.list_namespaced_config_map("lw").metadata.resource_version
    resp = core.list_namespaced_config_map(
        "lw",
        watch=True,
        resource_version=rv,
        allow_watch_bookmarks=True,
        timeout_seconds=2,
        _preload_content=False,
    )
    line = resp.readline()
    resp.close()
    assert b'"type":"BOOKMARK"' in line
    assert b'"resourceVersion"' in line


def test_watch_from_a_compacted_version_is_gone(bare_sandbox, core):
    rv = core.list_namespaced_config_map("lw").metadata.resource_version
    core.create_namespaced_config_map("lw", {"metadata": {"name": "after"}})
    bare_sandbox.compact()
    w = watch.Watch()
    with pytest.raises(client.ApiException) as exc:
        for _ in w.stream(
            core.list_namespaced_config_map, "lw", resource_version=rv, timeout_seconds=2
        ):
            pass
    assert exc.value.status == 410
