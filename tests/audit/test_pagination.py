"""Keyset pages on (time, id): every event exactly once, however the pages are walked."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from opsconsole.audit.models import AuditEvent
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.query import Cursor, filter_events, page_of
from opsconsole.audit.recorder import record
from tests.helpers.web import ids_on, signed_in


@pytest.fixture
def many(db: None) -> list[int]:
    return [record("test.page", outcome=Outcome.SUCCEEDED).id for _ in range(23)]


def test_walking_older_sees_every_event_once(many: list[int]) -> None:
    seen: list[int] = []
    page = page_of(filter_events({"verb": "test.page"}), size=5)
    while True:
        seen += [e.id for e in page.events]
        if page.older is None:
            break
        page = page_of(filter_events({"verb": "test.page"}), older=page.older, size=5)
    assert seen == sorted(many, reverse=True)


def test_walking_back_newer_returns_the_same_pages(many: list[int]) -> None:
    qs = filter_events({"verb": "test.page"})
    first = page_of(qs, size=5)
    second = page_of(qs, older=first.older, size=5)
    third = page_of(qs, older=second.older, size=5)
    back = page_of(qs, newer=third.newer, size=5)
    assert [e.id for e in back.events] == [e.id for e in second.events]
    newest = page_of(qs, newer=back.newer, size=5)
    assert [e.id for e in newest.events] == [e.id for e in first.events]
    assert newest.newer is None


def test_events_with_the_same_time_are_not_lost(db: None) -> None:
    # Two events in one microsecond: the id breaks the tie.
    a = record("test.tie", outcome=Outcome.SUCCEEDED)
    b = record("test.tie", outcome=Outcome.SUCCEEDED)
    with_same_time = AuditEvent(id=b.id, time=a.time)
    page = page_of(filter_events({"verb": "test.tie"}), older=Cursor.of(with_same_time))
    assert [e.id for e in page.events] == [a.id]


def test_the_cursor_round_trips() -> None:
    event = AuditEvent(id=12345, time=timezone.now())
    cursor = Cursor.of(event)
    assert Cursor.parse(str(cursor)) == cursor
    assert Cursor.parse("garbage") is None
    assert Cursor.parse("9" * 19 + ".1") is None


def test_the_page_links_walk_the_whole_filtered_log(many: list[int], viewer: User) -> None:
    client = signed_in(viewer)
    # More than a page of other events, mixed in, must not show up.
    for _ in range(60):
        record("test.other", outcome=Outcome.SUCCEEDED)
    url = "/audit/?verb=test.page"
    seen: list[int] = []
    pages = 0
    while url:
        html = client.get(url).content.decode()
        seen += ids_on(html)
        pages += 1
        older = re.search(r'<a href="(\?[^"]*older=[^"]*)"', html)
        url = "/audit/" + older.group(1).replace("&amp;", "&") if older else ""
        if older:
            assert parse_qs(urlparse(url).query)["verb"] == ["test.page"]
    assert seen == sorted(many, reverse=True)
    assert pages == 1  # 23 events fit one page of 50


def test_a_large_log_pages_through_the_view(viewer: User) -> None:
    ids = [record("test.bulk", outcome=Outcome.SUCCEEDED).id for _ in range(120)]
    client = signed_in(viewer)
    url = "/audit/?verb=test.bulk"
    seen: list[int] = []
    while url:
        html = client.get(url).content.decode()
        seen += ids_on(html)
        older = re.search(r'<a href="(\?[^"]*older=[^"]*)"', html)
        url = "/audit/" + older.group(1).replace("&amp;", "&") if older else ""
    assert seen == sorted(ids, reverse=True)
    assert len(seen) == len(set(seen)) == 120
