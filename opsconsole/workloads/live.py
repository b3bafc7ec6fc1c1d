"""Live reads for the detail, YAML and log pages: which cluster, which namespaces, and how a
gateway error becomes a page (never a 500)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from opsconsole.cluster.config import ClusterConfig
from opsconsole.cluster.errors import (
    ClusterError,
    ClusterUnreachable,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Throttled,
)
from opsconsole.cluster.kinds import Kind, kind_for

T = TypeVar("T")
P = ParamSpec("P")
Q = TypeVar("Q", bound=HttpRequest)
R = TypeVar("R", bound=HttpResponseBase)


def cluster_config() -> ClusterConfig:
    """The cluster the settings name: for the live pages, the sync and the page shell."""
    return ClusterConfig(
        kubeconfig=settings.KUBECONFIG,
        context=settings.OPSCONSOLE_KUBE_CONTEXT,
        timeout=settings.OPSCONSOLE_KUBE_TIMEOUT,
    )


def namespaces() -> list[str]:
    return list(settings.OPSCONSOLE_NAMESPACES)


def kind_or_404(resource: str, namespaced: bool) -> Kind:
    kind = kind_for(resource)
    if kind is None and resource in ("secrets", "secret"):
        raise Http404(
            "Secrets are not shown: the console holds no right to read them. "
            "A pod's page lists the Secrets it references, by name."
        )
    if kind is None:
        raise Http404(f'The console shows no kind called "{resource}".')
    if kind.namespaced != namespaced:
        where = "under /ns/<namespace>/" if kind.namespaced else "under /cluster/"
        raise Http404(f"{kind.title} live {where}.")
    return kind


# Every kind the console shows names its objects as a DNS subdomain (RFC 1123).
_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")


def name_or_404(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise Http404(f'"{name}" is not a Kubernetes object name.')


def namespace_or_404(namespace: str) -> None:
    if namespace not in settings.OPSCONSOLE_NAMESPACES:
        raise Http404(f'Namespace "{namespace}" is not one this console shows.')


def address_or_404(namespace: str, name: str) -> None:
    """An object address from a URL: a namespace the console shows, and a valid name (so it
    cannot add a path segment or a query to the API request)."""
    namespace_or_404(namespace)
    name_or_404(name)


def _explain(exc: ClusterError, what: str) -> tuple[int, str, str]:
    """HTTP status, heading and sentence for a gateway error about `what`."""
    if isinstance(exc, NotFound):
        return 404, "Not found", f"{what} was not found in the cluster ({exc.message})."
    if isinstance(exc, Forbidden):
        return (
            403,
            "Not allowed to read this",
            f"The console's identity may not read {what}: {exc.message}",
        )
    if isinstance(exc, Throttled):
        return (
            503,
            "The API server is busy",
            f"The API server asked the console to slow down; try again in {exc.retry_after} s "
            f"({exc.message}).",
        )
    if isinstance(exc, ClusterUnreachable):
        return 503, "The cluster does not answer", f"Could not read {what}: {exc.message}"
    if isinstance(exc, Invalid | Conflict):
        return 400, "The API server refused the request", exc.message
    return 502, "The API server failed", f"Could not read {what}: {exc.message}"


def problem_page(
    request: HttpRequest, exc: ClusterError, what: str, template: str = "workloads/problem.html"
) -> HttpResponse:
    status, title, message = _explain(exc, what)
    response = render(
        request, template, {"title": title, "message": message, "what": what}, status=status
    )
    if isinstance(exc, Throttled):
        response["Retry-After"] = str(exc.retry_after)
    return response


def explain(exc: ClusterError, what: str) -> str:
    """One sentence for a section of a page that could not be read."""
    return _explain(exc, what)[2]


def attempt(read: Callable[[], list[T]], what: str) -> tuple[list[T], str]:
    """A secondary read (events, pods, history): its failure is said in its own section
    instead of failing the page."""
    try:
        return read(), ""
    except ClusterError as exc:
        return [], explain(exc, what)


def attempt_one(read: Callable[[], T | None], what: str) -> tuple[T | None, str]:
    try:
        return read(), ""
    except ClusterError as exc:
        return None, explain(exc, what)


def not_found_page(
    view: Callable[Concatenate[Q, P], R],
) -> Callable[Concatenate[Q, P], R | HttpResponse]:
    """An address that names nothing the console shows gets a 404 page that says what was
    not found (Django's own 404 page says only "Not Found")."""

    def wrapper(request: Q, /, *args: P.args, **kwargs: P.kwargs) -> R | HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Http404 as exc:
            context = {"title": "Not found", "message": str(exc)}
            return render(request, "workloads/problem.html", context, status=404)

    return wraps(view)(wrapper)
