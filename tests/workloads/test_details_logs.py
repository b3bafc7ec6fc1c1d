"""The log page against the sandbox's log subresource: tail, container, previous, since,
follow by polling a fragment, download; and lines are text, never markup."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User
from django.template.loader import render_to_string

from opsconsole.cluster.logs import LogLine
from tests.helpers.live_objects import NAMESPACE, Workspace
from tests.helpers.web import signed_in

# The detail pages' fixtures, named here so that tests/workloads/ needs no conftest of its own.

STAMP = re.compile(r'<span class="log-time">([^<]+)</span>')


def log_lines(body: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", "", line))
        for line in re.findall(r'<span class="log-line">(.*?)</span>\n', body)
    ]


def test_it_shows_the_last_n_lines_of_the_default_container(
    console: Workspace, viewer: User
) -> None:
    pod = console.running_pod("app=web")
    body = signed_in(viewer).get(f"/ns/{NAMESPACE}/pods/{pod}/logs/?tail=3").content.decode()
    assert len(log_lines(body)) == 3
    assert "3 lines" in body
    assert '<option value="app" selected>app</option>' in body


def test_the_default_is_500_lines_and_the_maximum_10000(console: Workspace, viewer: User) -> None:
    pod = console.running_pod("app=web")
    client = signed_in(viewer)
    body = client.get(f"/ns/{NAMESPACE}/pods/{pod}/logs/").content.decode()
    assert 'name="tail" value="500"' in body
    too_many = client.get(f"/ns/{NAMESPACE}/pods/{pod}/logs/?tail=10001")
    assert too_many.status_code == 200
    assert "Ensure this value is less than or equal to 10000" in html.unescape(
        too_many.content.decode()
    )


def test_it_reads_the_container_chosen(console: Workspace, viewer: User) -> None:
    pod = console.running_pod("app=web")
    client = signed_in(viewer)
    app = log_lines(
        client.get(f"/ns/{NAMESPACE}/pods/{pod}/logs/?container=app&tail=20").content.decode()
    )
    sidecar = log_lines(
        client.get(f"/ns/{NAMESPACE}/pods/{pod}/logs/?container=sidecar&tail=20").content.decode()
    )
    assert app
    assert sidecar
    assert set(app).isdisjoint(sidecar)
    unknown = client.get(f"/ns/{NAMESPACE}/pods/{pod}/logs/?container=nope")
    assert "Select a valid choice" in html.unescape(unknown.content.decode())


def test_timestamps_are_shown_when_asked(console: Workspace, viewer: User) -> None:
    pod = console.running_pod("app=web")
    client = signed_in(viewer)
    plain = client.get(f"/ns/{NAMESPACE}/pods/{pod}/logs/?tail=2").content.decode()
    stamped = client.get(f"/ns/{NAMESPACE}/pods/{pod}/logs/?tail=2&timestamps=on").content.decode()
    assert not STAMP.findall(plain)
    assert len(STAMP.findall(stamped)) == 2


def test_previous_shows_the_crashed_container_and_says_when_there_is_none(
    console: Workspace, viewer: User
) -> None:
    crashy = console.running_pod("app=crashy")
    console.sandbox.wait_for(
        lambda: any(
            cs.get("restartCount", 0) > 0
            for p in console.pods("app=crashy")
            for cs in p["status"].get("containerStatuses", [])
        )
    )
    client = signed_in(viewer)
    previous = client.get(f"/ns/{NAMESPACE}/pods/{crashy}/logs/?previous=on").content.decode()
    assert any("exiting with code 1" in line for line in log_lines(previous))

    web = console.running_pod("app=web")
    none = client.get(f"/ns/{NAMESPACE}/pods/{web}/logs/?previous=on&container=app")
    assert none.status_code == 200
    assert 'previous terminated container "app" in pod' in html.unescape(none.content.decode())


def test_since_limits_the_lines_to_recent_ones(console: Workspace, viewer: User) -> None:
    pod = console.running_pod("app=web")
    client = signed_in(viewer)
    ahead = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    future = client.get(f"/ns/{NAMESPACE}/pods/{pod}/logs/?since_time={ahead}&timestamps=on")
    assert "0 lines" in future.content.decode()

    # The pod must have written for a while before the window, or every line is recent.
    started = next(
        p["status"]["startTime"] for p in console.pods("app=web") if p["metadata"]["name"] == pod
    )
    start = datetime.strptime(started[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    time.sleep(max(0.0, (start + timedelta(seconds=6) - datetime.now(UTC)).total_seconds()))
    since = datetime.now(UTC) - timedelta(seconds=2)
    recent = client.get(
        f"/ns/{NAMESPACE}/pods/{pod}/logs/?since_time={since:%Y-%m-%dT%H:%M:%S}&timestamps=on"
    )
    stamps = STAMP.findall(recent.content.decode())
    assert stamps
    oldest = datetime.strptime(stamps[0][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    # Asked as whole seconds: at most a second more than asked, never the whole log.
    assert oldest >= since.replace(microsecond=0) - timedelta(seconds=2)
    every = client.get(f"/ns/{NAMESPACE}/pods/{pod}/logs/?timestamps=on&tail=10000")
    assert len(STAMP.findall(every.content.decode())) > len(stamps)

    five = client.get(f"/ns/{NAMESPACE}/pods/{pod}/logs/?since=5m&timestamps=on")
    assert five.status_code == 200
    assert STAMP.findall(five.content.decode())


def test_follow_polls_a_fragment_that_returns_only_newer_lines(
    console: Workspace, viewer: User
) -> None:
    pod = console.running_pod("app=web")
    client = signed_in(viewer)
    page = client.get(
        f"/ns/{NAMESPACE}/pods/{pod}/logs/?container=app&tail=5&follow=on&timestamps=on"
    ).content.decode()
    poller = re.search(r'<div id="log-follow"[^>]*>', page, re.S)
    assert poller
    tag = poller.group(0)
    assert 'hx-trigger="every 2s, poll-now"' in tag
    assert "X-OpsConsole-Poll" in tag
    assert "data-poll-visible" in tag
    follow_url = html.unescape(re.search(r'hx-get="([^"]+)"', tag).group(1))  # type: ignore[union-attr]
    seen = STAMP.findall(page)[-1]
    assert f"after={seen.replace(':', '%3A')}" in follow_url

    time.sleep(1.2)  # the api container writes two lines a second
    fragment = client.get(follow_url, headers={"HX-Request": "true", "X-OpsConsole-Poll": "1"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body
    new_stamps = STAMP.findall(body)
    assert new_stamps
    assert all(stamp > seen for stamp in new_stamps)
    # The poller comes back out of band, asking after the newest line it just sent.
    assert 'hx-swap-oob="true"' in body
    assert f"after={new_stamps[-1].replace(':', '%3A')}" in body

    nothing = client.get(
        re.sub(r"after=[^&]+", "after=2999-01-01T00%3A00%3A00.000000000Z", follow_url),
        headers={"HX-Request": "true"},
    )
    assert nothing.status_code == 204


def test_follow_stops_polling_when_the_pod_is_gone(console: Workspace, viewer: User) -> None:
    response = signed_in(viewer).get(
        f"/ns/{NAMESPACE}/pods/gone-pod/logs/follow/?container=app&after=2026-01-01T00%3A00%3A00Z",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 286  # htmx stops polling


def test_download_streams_the_log_as_a_text_file(console: Workspace, viewer: User) -> None:
    pod = console.running_pod("app=web")
    response = signed_in(viewer).get(
        f"/ns/{NAMESPACE}/pods/{pod}/logs/download/?container=app&tail=7"
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{pod}-app.log"'
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert len(text.splitlines()) == 7
    assert "<span" not in text


def test_download_of_an_unknown_pod_is_a_404_page(console: Workspace, viewer: User) -> None:
    response = signed_in(viewer).get(f"/ns/{NAMESPACE}/pods/nope/logs/download/")
    assert response.status_code == 404


def test_hostile_lines_are_text_not_markup() -> None:
    line = LogLine(None, "", '<script>alert("x")</script><img src=x onerror=alert(1)>')
    body = render_to_string("workloads/logs.html#line", {"line": line, "show_stamps": False})
    assert "<script>" not in body
    assert "<img" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_log_pages_of_a_job_pod(console: Workspace, viewer: User) -> None:
    pods = [p for p in console.pods("") if p["metadata"]["name"].startswith("once-")]
    assert pods
    body = (
        signed_in(viewer)
        .get(f"/ns/{NAMESPACE}/pods/{pods[0]['metadata']['name']}/logs/")
        .content.decode()
    )
    assert "completed successfully" in body


def test_an_empty_log_is_followed_from_now(console: Workspace, viewer: User) -> None:
    pod = console.running_pod("app=web")
    ahead = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    page = signed_in(viewer).get(
        f"/ns/{NAMESPACE}/pods/{pod}/logs/?since_time={ahead}&follow=on&container=app"
    )
    body = page.content.decode()
    assert "0 lines" in body
    after = re.search(r"after=(\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A\d\d\.\d+Z)", body)
    assert after
    stamp = after.group(1).replace("%3A", ":")
    seen = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - seen).total_seconds()) < 10
