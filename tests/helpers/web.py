"""Signed-in clients, the fixture users' password, the URL walk and reading pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# The password of the users the fixtures in tests/conftest.py create.
PASSWORD = "correct-horse-battery-staple"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


_SAMPLE = {
    "int": "1",
    "slug": "sample",
    "str": "sample",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "path": "a/b",
}


def _concrete(route: str) -> str:
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLE.get(m.group(1) or "str", "1"), route)
    return route.lstrip("^").rstrip("$").replace("\\", "")


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "/") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + _concrete(str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        else:
            yield route


@cache
def all_urls() -> list[str]:
    """Every URL the project routes, with sample values for its parameters: views added
    later are walked too."""
    return sorted(set(_walk(get_resolver().url_patterns)))


def ids_on(html: str) -> list[int]:
    """The audit event ids an audit list page links to, in page order."""
    return [int(i) for i in re.findall(r'href="/audit/(\d+)/">\d+<', html)]
