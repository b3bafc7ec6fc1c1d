"""The cluster gateway against the sandbox over HTTP, and the shell's SANDBOX banner."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import override_settings

from opsconsole.cluster import ClusterConfig, ClusterUnreachable, describe_cluster
from tests.helpers.cluster import closed_port_kubeconfig
from tests.helpers.sandbox import SandboxHandle
from tests.helpers.web import signed_in


def test_it_knows_the_sandbox_for_what_it_is(sandbox: SandboxHandle) -> None:
    info = describe_cluster(ClusterConfig(kubeconfig=str(sandbox.kubeconfig)))
    assert info.sandbox is True
    assert info.server == sandbox.server
    assert info.version.startswith("v1.")


def test_a_server_error_counts_as_unreachable(sandbox: SandboxHandle) -> None:
    sandbox.add_fault(path="^/version", status=503, count=1)
    with pytest.raises(ClusterUnreachable):
        describe_cluster(ClusterConfig(kubeconfig=str(sandbox.kubeconfig)))


def test_a_closed_port_is_unreachable_and_says_where(tmp_path: Path) -> None:
    with pytest.raises(ClusterUnreachable, match=r"127\.0\.0\.1"):
        describe_cluster(ClusterConfig(kubeconfig=str(closed_port_kubeconfig(tmp_path))))


def test_every_page_shows_the_sandbox_banner(sandbox: SandboxHandle, viewer: User) -> None:
    cache.clear()
    with override_settings(KUBECONFIG=str(sandbox.kubeconfig)):
        html = signed_in(viewer).get("/").content.decode()
    cache.clear()
    assert "SANDBOX" in html
    assert sandbox.server in html


def test_an_unreachable_cluster_is_shown_not_raised(tmp_path: Path, viewer: User) -> None:
    cache.clear()
    with override_settings(KUBECONFIG=str(closed_port_kubeconfig(tmp_path))):
        response = signed_in(viewer).get("/")
    cache.clear()
    assert response.status_code == 200
    assert b"The Kubernetes API does not answer" in response.content
    assert b"SANDBOX" not in response.content
