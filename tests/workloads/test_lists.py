"""List pages render the synced rows, with search, selectors, status, sort and paging."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.contrib.auth.models import User

from opsconsole.cluster.kinds import KINDS
from tests.helpers.cluster import KUBECTL
from tests.helpers.sync import NAMESPACE, SyncRun
from tests.helpers.web import signed_in

pytestmark = pytest.mark.django_db


def kubectl_names(synced: SyncRun, plural: str) -> list[str]:
    """What the real kubectl lists, the yardstick for every page."""
    out = subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(synced.sandbox.kubeconfig), "get", plural,
         "-n", NAMESPACE, "-o", "custom-columns=NAME:.metadata.name", "--no-headers"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return out.stdout.split()


def names(html: str) -> list[str]:
    return re.findall(r'<td class="name"><a href="[^"]*">([^<]+)</a>', html)


@pytest.mark.parametrize("kind", [k for k in KINDS if k.namespaced], ids=lambda k: k.plural)
def test_every_namespaced_list_shows_the_synced_rows(
    synced: SyncRun, viewer: User, kind: object
) -> None:
    plural = kind.plural  # type: ignore[attr-defined]
    response = signed_in(viewer).get(f"/ns/{NAMESPACE}/{plural}/")
    assert response.status_code == 200
    html = response.content.decode()
    expected = sorted(kubectl_names(synced, plural))[:50]
    if expected:
        assert names(html)[: len(expected)] == expected
    else:
        assert "There are no" in html


def test_nodes_list_under_cluster(synced: SyncRun, viewer: User) -> None:
    html = signed_in(viewer).get("/cluster/nodes/").content.decode()
    assert names(html) == ["sandbox-cpu-1", "sandbox-cpu-2", "sandbox-cpu-3", "sandbox-gpu-1"]
    assert "nvidia.com/gpu=present:NoSchedule" in html


def test_name_search_selector_status_and_sort(synced: SyncRun, viewer: User) -> None:
    client = signed_in(viewer)
    html = client.get(f"/ns/{NAMESPACE}/deployments/?q=trading").content.decode()
    assert names(html) == [
        "trading-api-service",
        "trading-data-pipeline",
        "trading-engine",
        "trading-ml-service",
    ]
    html = client.get(
        f"/ns/{NAMESPACE}/deployments/",
        {"selector": "app.kubernetes.io/component in (web,worker)"},
    ).content.decode()
    assert names(html) == ["opsconsole-web", "opsconsole-worker"]
    html = client.get(
        f"/ns/{NAMESPACE}/deployments/",
        {"q": "opsconsole", "selector": "app.kubernetes.io/component!=web"},
    ).content.decode()
    assert "opsconsole-web" not in names(html)
    assert "opsconsole-worker" in names(html)
    html = client.get(f"/ns/{NAMESPACE}/deployments/?sort=-desired&q=trading").content.decode()
    assert names(html)[0] == "trading-api-service"  # 3 replicas, the others 2
    html = client.get(f"/ns/{NAMESPACE}/deployments/?status=Degraded").content.decode()
    assert names(html) == []
    assert "No deployments match these filters." in html
    html = client.get(f"/ns/{NAMESPACE}/pods/?status=Running&sort=-name").content.decode()
    assert names(html) == sorted(names(html), reverse=True)
    assert len(names(html)) > 10


def test_a_bad_selector_is_said_not_raised(synced: SyncRun, viewer: User) -> None:
    response = signed_in(viewer).get(f"/ns/{NAMESPACE}/pods/", {"selector": "a in (b"})
    assert response.status_code == 200
    assert "cannot read the label selector" in response.content.decode()


def test_pages_of_fifty(synced: SyncRun, viewer: User) -> None:
    client = signed_in(viewer)
    first = client.get(f"/ns/{NAMESPACE}/events/").content.decode()
    second = client.get(f"/ns/{NAMESPACE}/events/?page=2").content.decode()
    assert len(names(first)) == 50
    assert names(second)
    assert not set(names(first)) & set(names(second))
    assert "page 1 of" in first
    assert "Next →" in first
    assert f'href="/ns/{NAMESPACE}/events/?page=2"' in first  # a real link beside hx-get
    assert f'hx-get="/ns/{NAMESPACE}/events/?page=2"' in first


def test_links_keep_the_query_and_sort_toggles(synced: SyncRun, viewer: User) -> None:
    web = signed_in(viewer)
    html = web.get(f"/ns/{NAMESPACE}/pods/?q=trading&sort=restarts").content.decode()
    # the Restarts header is sorted ascending: its link sorts descending, keeping q
    assert f'href="/ns/{NAMESPACE}/pods/?q=trading&amp;sort=-restarts"' in html
    assert 'aria-sort="ascending"' in html
    # a search for the word "name" is kept, though "name" is the default sort
    html = web.get(f"/ns/{NAMESPACE}/pods/?q=name").content.decode()
    assert f'hx-get="/ns/{NAMESPACE}/pods/?q=name"' in html
    nodes = signed_in(viewer).get("/cluster/nodes/").content.decode()
    assert f'href="/ns/{NAMESPACE}/pods/"' in nodes  # the kinds bar leads back to a namespace


def test_unknown_resources_and_namespaces_are_404(synced: SyncRun, viewer: User) -> None:
    client = signed_in(viewer)
    response = client.get(f"/ns/{NAMESPACE}/widgets/")
    assert response.status_code == 404
    assert "The console shows no kind called &quot;widgets&quot;." in response.content.decode()
    other = client.get("/ns/kube-system/pods/")
    assert other.status_code == 404
    assert (
        "Namespace &quot;kube-system&quot; is not one this console shows." in other.content.decode()
    )
    assert client.get("/cluster/pods/").status_code == 404
    secrets = client.get(f"/ns/{NAMESPACE}/secrets/")
    assert secrets.status_code == 404
    assert "the console holds no right to read them" in secrets.content.decode()


def test_short_names_land_on_the_plural(synced: SyncRun, viewer: User) -> None:
    response = signed_in(viewer).get(f"/ns/{NAMESPACE}/deploy/?q=web")
    assert response.status_code == 302
    assert response["Location"] == f"/ns/{NAMESPACE}/deployments/?q=web"
    assert signed_in(viewer).get(f"/ns/{NAMESPACE}/no/")["Location"] == "/cluster/nodes/"


def test_htmx_gets_the_fragment_only(synced: SyncRun, viewer: User) -> None:
    response = signed_in(viewer).get(
        f"/ns/{NAMESPACE}/pods/", headers={"HX-Request": "true", "X-OpsConsole-Poll": "1"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="list-body">')
    assert "<html" not in html
    assert len(response.content) <= 40 * 1024
    assert "HX-Push-Url" not in response  # a poll leaves the address and history alone
    mine = signed_in(viewer).get(
        f"/ns/{NAMESPACE}/pods/?q=trading&selector=&status=", headers={"HX-Request": "true"}
    )
    assert mine["HX-Push-Url"] == f"/ns/{NAMESPACE}/pods/?q=trading"
