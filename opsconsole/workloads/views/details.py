"""PLACEHOLDER — the pages helper replaces this module (detail, YAML and log pages, read live)."""

from django.http import Http404, HttpRequest, HttpResponse


def namespaced_detail(
    request: HttpRequest, namespace: str, resource: str, name: str
) -> HttpResponse:
    raise Http404("not built yet")


def cluster_detail(request: HttpRequest, resource: str, name: str) -> HttpResponse:
    raise Http404("not built yet")


def yaml_view(request: HttpRequest, namespace: str, resource: str, name: str) -> HttpResponse:
    raise Http404("not built yet")


def pod_logs(request: HttpRequest, namespace: str, name: str) -> HttpResponse:
    raise Http404("not built yet")
