"""PLACEHOLDER — the sync/cache helper replaces this module (list pages over the Redis cache)."""

from django.http import Http404, HttpRequest, HttpResponse


def namespaced_list(request: HttpRequest, namespace: str, resource: str) -> HttpResponse:
    raise Http404("not built yet")


def cluster_list(request: HttpRequest, resource: str) -> HttpResponse:
    raise Http404("not built yet")
