"""exec, attach and port-forward: the sandbox runs no containers, and says so clearly."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.helpers.cluster import error_body, kubectl
from tests.helpers.sandbox import ApiRequest

NO_CONTAINERS = "the sandbox cluster runs no containers"


@pytest.fixture
def pod(bare_sandbox):
    core = client.CoreV1Api(bare_sandbox.api_client())
    core.create_namespace({"metadata": {"name": "shell"}})
    spec = {"containers": [{"name": "c", "image": "x:1", "ports": [{"containerPort": 80}]}]}
    core.create_namespaced_pod("shell", {"metadata": {"name": "p"}, "spec": spec})
    bare_sandbox.wait_for(lambda: core.read_namespaced_pod("p", "shell").status.phase == "Running")
    return "p"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["exec", "p", "--", "ls", "/"], 'cannot exec into pod "p" in namespace "shell"'),
        (["exec", "-i", "p", "--", "sh"], 'cannot exec into pod "p" in namespace "shell"'),
        (["attach", "p"], 'cannot attach to pod "p" in namespace "shell"'),
        (["port-forward", "pod/p", "18080:80"], 'cannot forward ports to pod "p"'),
    ],
)
def test_kubectl_exec_attach_and_port_forward_fail_with_a_clear_error(
    bare_sandbox, pod, args, says
):
    proc = kubectl(bare_sandbox.kubeconfig, "-n", "shell", *args, check=False, timeout=30)
    assert proc.returncode == 1
    assert NO_CONTAINERS in proc.stderr
    assert says in proc.stderr


def test_exec_into_a_missing_pod_is_not_found(bare_sandbox, pod):
    proc = kubectl(bare_sandbox.kubeconfig, "-n", "shell", "exec", "nope", "--", "ls", check=False)
    assert proc.returncode == 1
    assert 'Error from server (NotFound): pods "nope" not found' in proc.stderr


def test_the_official_client_gets_a_400_status_and_a_connect_is_counted(bare_sandbox, pod):
    core = client.CoreV1Api(bare_sandbox.api_client())
    before = bare_sandbox.requests_made()
    with pytest.raises(client.ApiException) as refused:
        core.connect_post_namespaced_pod_exec("p", "shell", command=["ls"], stdout=True)
    assert refused.value.status == 400
    body = error_body(refused.value)
    assert body["reason"] == "BadRequest"
    assert body["message"].startswith(NO_CONTAINERS)
    moved = bare_sandbox.requests_made() - before
    assert moved == {ApiRequest("CONNECT", "pods", "exec", "400", "resource", "", "v1"): 1}


def test_discovery_lists_the_pod_subresources_with_their_kinds(bare_sandbox):
    resources = client.CoreV1Api(bare_sandbox.api_client()).get_api_resources().resources
    by_name = {r.name: r for r in resources}
    assert by_name["pods/exec"].kind == "PodExecOptions"
    assert sorted(by_name["pods/portforward"].verbs) == ["create", "get"]
    assert (by_name["pods/eviction"].group, by_name["pods/eviction"].kind) == ("policy", "Eviction")
