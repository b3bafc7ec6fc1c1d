"""List pages over the Redis cache: /ns/<namespace>/<resource>/, /ns/_all/…, /cluster/nodes/.

No request here reaches the API server: rows come from cache.py, which `cluster_sync` fills.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from opsconsole.accounts.middleware import POLL_HEADER
from opsconsole.cluster.kinds import KINDS, Kind, kind_for
from opsconsole.web.http import HtmxHttpRequest
from opsconsole.workloads.cache import ALL, CLUSTER, BadSelector, Cache, Page
from opsconsole.workloads.columns import Column, columns_for, sortable
from opsconsole.workloads.freshness import DataState, data_state
from opsconsole.workloads.live import kind_or_404, namespace_or_404, not_found_page

log = logging.getLogger(__name__)
PER_PAGE = 50


@dataclass(frozen=True)
class Query:
    q: str = ""
    selector: str = ""
    status: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1

    @classmethod
    def from_get(cls, get: QueryDict, plural: str) -> Query:
        sort = get.get("sort", "") or "name"
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        page = get.get("page", "1")
        return cls(
            q=get.get("q", "").strip()[:253],
            selector=get.get("selector", "").strip()[:1000],
            status=get.get("status", "").strip()[:100],
            sort=sort if sort in sortable(plural) else "name",
            descending=descending,
            page=int(page) if page.isdigit() and int(page) > 0 else 1,
        )

    def url(self, path: str, **changes: object) -> str:
        values = {
            "q": self.q,
            "selector": self.selector,
            "status": self.status,
            "sort": ("-" if self.descending else "") + self.sort,
            "page": self.page,
        }
        values.update(changes)
        defaults = {"sort": "name", "page": 1}
        kept = {k: v for k, v in values.items() if v not in ("", None) and v != defaults.get(k)}
        return f"{path}?{urlencode(kept)}" if kept else path


@dataclass(frozen=True)
class Header:
    column: Column
    url: str
    active: str  # "", "ascending" or "descending"


def _headers(query: Query, path: str, columns: list[Column]) -> list[Header]:
    headers = []
    for column in columns:
        if not column.sort:
            headers.append(Header(column, "", ""))
            continue
        current = query.sort == column.sort
        flip = "" if current and query.descending else "-" if current else ""
        active = ("descending" if query.descending else "ascending") if current else ""
        headers.append(Header(column, query.url(path, sort=flip + column.sort, page=1), active))
    return headers


def _read(kind: Kind, scope: str, query: Query) -> tuple[Page, dict[str, int], DataState, str]:
    """A page of rows, the status counts and how fresh they are; never raises for a bad
    selector or a cache that does not answer (the page says so instead)."""
    empty = Page([], 0, 1, PER_PAGE)
    try:
        cache = Cache()
        state, counts = data_state(cache, kind.plural), cache.counts(kind.plural, scope)
        page = cache.page(
            kind.plural, scope, q=query.q, selector=query.selector, status=query.status,
            sort=query.sort, descending=query.descending, page=query.page, per_page=PER_PAGE,
        )  # fmt: skip
    except BadSelector as exc:
        return empty, counts, state, str(exc)
    except RedisError as exc:
        log.warning("cluster cache unavailable: %s", exc)
        return empty, {}, DataState(unavailable=type(exc).__name__), ""
    return page, counts, state, ""


def _list(request: HtmxHttpRequest, kind: Kind, namespace: str) -> HttpResponse:
    query = Query.from_get(request.GET, kind.plural)
    scope = CLUSTER if not kind.namespaced else ALL if namespace == ALL else namespace
    page, statuses, state, error = _read(kind, scope, query)
    columns = columns_for(kind.plural, namespace == ALL)
    context = {
        "kind": kind,
        "kinds": [k for k in KINDS if k.namespaced],
        "list_namespace": namespace,
        "nav_namespace": namespace if kind.namespaced else settings.OPSCONSOLE_NAMESPACES[0],
        "query": query,
        "page": page,
        "headers": _headers(query, request.path, columns),
        "columns": columns,
        "statuses": statuses,
        "state": state,
        "error": error,
        "previous_url": query.url(request.path, page=page.page - 1),
        "next_url": query.url(request.path, page=page.page + 1),
        "self_url": query.url(request.path),
    }
    if not request.htmx:
        return render(request, "workloads/list.html", context)
    response = render(request, "workloads/list.html#body", context)
    if POLL_HEADER not in request.META:  # the user's own step: the address bar shows it tidy
        response["HX-Push-Url"] = query.url(request.path)
    return response


@require_GET
@not_found_page
def namespaced_list(request: HtmxHttpRequest, namespace: str, resource: str) -> HttpResponse:
    kind = kind_for(resource)
    if kind is not None and not kind.namespaced:
        return redirect(reverse("workloads:cluster_list", args=[kind.plural]))
    kind = kind_or_404(resource, namespaced=True)  # Secrets: a 404 that says why
    if kind.plural != resource:  # a kubectl short name: land on the canonical address
        url = reverse("workloads:list", args=[namespace, kind.plural])
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    if namespace != ALL:
        namespace_or_404(namespace)
    return _list(request, kind, namespace)


@require_GET
@not_found_page
def cluster_list(request: HtmxHttpRequest, resource: str) -> HttpResponse:
    kind = kind_or_404(resource, namespaced=False)
    if kind.plural != resource:
        return redirect(reverse("workloads:cluster_list", args=[kind.plural]))
    return _list(request, kind, CLUSTER)
