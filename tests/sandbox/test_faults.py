"""Faults on demand: how the console's retries and error handling get exercised."""

from __future__ import annotations

import time

import pytest
import urllib3
from kubernetes import client

from tests.helpers.cluster import error_body

NS = "trading-system"


@pytest.fixture
def core(sandbox):
    yield client.CoreV1Api(sandbox.api_client())
    sandbox.clear_faults()


def test_429_with_retry_after_once(sandbox, core):
    sandbox.add_fault("list", "/configmaps", status=429, retry_after=3)
    with pytest.raises(client.ApiException) as exc:
        core.list_namespaced_config_map(NS)
    assert exc.value.status == 429
    assert exc.value.headers["Retry-After"] == "3"
    assert error_body(exc.value)["reason"] == "TooManyRequests"
    assert core.list_namespaced_config_map(NS).items  # count=1: the next call succeeds


@pytest.mark.parametrize(("code", "reason"), [(500, "InternalError"), (503, "ServiceUnavailable")])
def test_server_errors(sandbox, core, code, reason):
    sandbox.add_fault("get", "/services/trading-engine$", status=code, count=2)
    for _ in range(2):
        with pytest.raises(client.ApiException) as exc:
            core.read_namespaced_service("trading-engine", NS)
        assert exc.value.status == code
        assert error_body(exc.value)["reason"] == reason
    assert core.read_namespaced_service("trading-engine", NS).metadata.name == "trading-engine"


def test_conflict_on_a_patch(sandbox):
    apps = client.AppsV1Api(sandbox.api_client())
    sandbox.add_fault("patch", "/deployments/trading-engine/scale", status=409)
    with pytest.raises(client.ApiException) as exc:
        apps.patch_namespaced_deployment_scale("trading-engine", NS, {"spec": {"replicas": 2}})
    assert exc.value.status == 409
    assert error_body(exc.value)["reason"] == "Conflict"
    sandbox.clear_faults()


def test_latency(sandbox, core):
    sandbox.add_fault("get", "/namespaces/default$", latency_ms=300)
    start = time.monotonic()
    core.read_namespace("default")
    assert time.monotonic() - start >= 0.3


def test_dropped_connection(sandbox, core):
    sandbox.add_fault("list", "/secrets", drop=True)
    with pytest.raises((urllib3.exceptions.HTTPError, ConnectionError)):
        core.list_namespaced_secret(NS)
    assert core.list_namespaced_secret(NS).kind == "SecretList"


def test_rules_are_listed_and_counted(sandbox, core):
    rule = sandbox.add_fault("get", "/nowhere", status=500, count=None)
    assert [r["id"] for r in sandbox.faults()] == [rule]
    sandbox.clear_faults()
    assert sandbox.faults() == []
