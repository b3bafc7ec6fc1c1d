"""Detail, YAML and log pages: each reads its one object live from the API server (the lists
read the sync's cache instead). A gateway error becomes a page that says what happened."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import yaml
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseStopPolling

from opsconsole.audit.links import target_trail_url
from opsconsole.cluster import history, logs, objects
from opsconsole.cluster.config import ClusterConfig
from opsconsole.cluster.errors import ClusterError, NotFound
from opsconsole.cluster.kinds import BY_PLURAL, Kind
from opsconsole.web.http import HtmxHttpRequest
from opsconsole.workloads import facts
from opsconsole.workloads.forms import DiffForm, FollowForm, LogForm
from opsconsole.workloads.live import (
    address_or_404,
    attempt,
    attempt_one,
    cluster_config,
    kind_or_404,
    name_or_404,
    namespaces,
    not_found_page,
    problem_page,
)

PODS = BY_PLURAL["pods"]
DEPLOYMENTS = BY_PLURAL["deployments"]
_WITH_HPA = {"deployments", "statefulsets", "replicasets"}
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"


def _label(kind: Kind, namespace: str, name: str) -> str:
    return f"{kind.kind} {namespace}/{name}" if kind.namespaced else f"{kind.kind} {name}"


@require_GET
@not_found_page
def namespaced_detail(
    request: HtmxHttpRequest, namespace: str, resource: str, name: str
) -> HttpResponse:
    kind = kind_or_404(resource, namespaced=True)
    address_or_404(namespace, name)
    return _detail(request, kind, namespace, name)


@require_GET
@not_found_page
def cluster_detail(request: HtmxHttpRequest, resource: str, name: str) -> HttpResponse:
    name_or_404(name)
    return _detail(request, kind_or_404(resource, namespaced=False), "", name)


def _detail(request: HtmxHttpRequest, kind: Kind, namespace: str, name: str) -> HttpResponse:
    cfg = cluster_config()
    try:
        obj = objects.get_object(cfg, kind, namespace, name)
    except ClusterError as exc:
        return problem_page(request, exc, _label(kind, namespace, name))
    hpa, hpa_error = (
        attempt_one(lambda: objects.hpa_for(cfg, kind, obj), "autoscalers")
        if kind.plural in _WITH_HPA
        else (None, "")
    )
    events, events_error = attempt(lambda: objects.events_for(cfg, obj), "events")
    context: dict[str, Any] = {
        "kind": kind,
        "obj": obj,
        "name": name,
        "namespace": namespace,
        "labels": sorted(((obj.get("metadata") or {}).get("labels") or {}).items()),
        "facts": facts.summary_facts(kind, obj, hpa),
        "hpa_error": hpa_error,
        "conditions": facts.conditions(obj),
        "events": events,
        "events_error": events_error,
        "yaml_url": _yaml_url(kind, namespace, name),
        "audit_url": target_trail_url(kind.kind.lower(), name, namespace),
    }
    for section in _SECTIONS.get(kind.plural, ()):
        context.update(section(cfg, kind, obj))
    return render(request, "workloads/detail.html", context)


Section = Callable[[ClusterConfig, Kind, dict[str, Any]], dict[str, Any]]


def _containers(cfg: ClusterConfig, kind: Kind, obj: dict[str, Any]) -> dict[str, Any]:
    """The pod (template)'s containers and the Secrets it names; a pod's usage too."""
    pod_spec = facts.template_spec(kind, obj)
    status, usage, usage_error = None, None, ""
    if kind.plural == "pods":
        meta = obj["metadata"]
        status = obj.get("status")
        usage, usage_error = attempt_one(
            lambda: objects.pod_usage(cfg, meta["namespace"], meta["name"]),
            "usage figures (metrics API)",
        )
    return {
        "containers": facts.containers(pod_spec, status, usage),
        "usage_error": usage_error,
        "secret_refs": objects.secret_references(pod_spec),
    }


def _pods(pods: list[dict[str, Any]], error: str) -> dict[str, Any]:
    return {"pods": facts.pod_rows(pods), "pods_error": error, "show_pods": True}


def _owned_pods(cfg: ClusterConfig, kind: Kind, obj: dict[str, Any]) -> dict[str, Any]:
    return _pods(*attempt(lambda: objects.pods_for(cfg, kind, obj), "pods"))


def _deployment(cfg: ClusterConfig, kind: Kind, obj: dict[str, Any]) -> dict[str, Any]:
    """Revision history and pods, from one read of the Deployment's ReplicaSets."""
    replicasets, error = attempt(lambda: objects.owned_replicasets(cfg, obj), "replica sets")
    sets = None if error else replicasets  # on failure the pods' read says why itself
    return {
        "revisions": history.revisions(cfg, obj, replicasets),
        "revisions_error": error,
        "diff_form": DiffForm(),
        **_pods(*attempt(lambda: objects.pods_for(cfg, kind, obj, sets), "pods")),
    }


def _cronjob(cfg: ClusterConfig, kind: Kind, obj: dict[str, Any]) -> dict[str, Any]:
    jobs, error = attempt(lambda: objects.owned_jobs(cfg, obj), "jobs")
    job_kind = BY_PLURAL["jobs"]
    rows = [
        facts.Fact(
            job["metadata"]["name"],
            _job_state(job),
            facts.object_url(job_kind, job["metadata"]["namespace"], job["metadata"]["name"]),
        )
        for job in jobs
    ]

    def pods_of_jobs() -> list[dict[str, Any]]:
        return [pod for job in jobs for pod in objects.pods_for(cfg, job_kind, job)]

    return {"jobs": rows, "jobs_error": error, **_pods(*attempt(pods_of_jobs, "pods"))}


def _node(cfg: ClusterConfig, kind: Kind, obj: dict[str, Any]) -> dict[str, Any]:
    name = obj["metadata"]["name"]
    pods, pods_error = attempt(lambda: objects.pods_on_node(cfg, name, namespaces()), "pods")
    usage, usage_error = attempt_one(
        lambda: objects.node_usage(cfg, name), "usage figures (metrics API)"
    )
    return {
        "taints": facts.taints(obj),
        "shown_namespaces": namespaces(),
        "resources": facts.node_resources(obj, None if pods_error else pods, usage),
        "usage_error": usage_error,
        **_pods(pods, pods_error),
    }


# What each kind's page shows beyond the summary, conditions and events.
_SECTIONS: dict[str, tuple[Section, ...]] = {
    "deployments": (_deployment, _containers),
    "statefulsets": (_owned_pods, _containers),
    "daemonsets": (_owned_pods, _containers),
    "replicasets": (_owned_pods, _containers),
    "jobs": (_owned_pods, _containers),
    "cronjobs": (_cronjob, _containers),
    "pods": (_containers,),
    "services": (_owned_pods,),
    "nodes": (_node,),
}


def _job_state(job: dict[str, Any]) -> str:
    status = job.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("status") == "True" and condition.get("type") in ("Complete", "Failed"):
            return str(condition["type"])
    return "Running" if status.get("active") else "Pending"


def _yaml_url(kind: Kind, namespace: str, name: str) -> str:
    return facts.object_url(kind, namespace, name) + "yaml/"


def strip_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    meta = dict(obj.get("metadata") or {})
    meta.pop("managedFields", None)
    return {**obj, "metadata": meta}


def _yaml(request: HtmxHttpRequest, kind: Kind, namespace: str, name: str) -> HttpResponse:
    what = _label(kind, namespace, name)
    try:
        obj = objects.get_object(cluster_config(), kind, namespace, name)
    except ClusterError as exc:
        return problem_page(request, exc, what)
    managed = request.GET.get("managed") == "1"
    text = yaml.safe_dump(
        obj if managed else strip_managed_fields(obj), sort_keys=False, allow_unicode=True
    )
    if request.GET.get("download") == "1":
        response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
        stem = f"{kind.kind.lower()}-{namespace + '-' if namespace else ''}{name}"
        response["Content-Disposition"] = f'attachment; filename="{stem}.yaml"'
        return response
    context = {
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "text": text,
        "managed": managed,
        "detail_url": facts.object_url(kind, namespace, name),
        "has_managed": bool((obj.get("metadata") or {}).get("managedFields")),
    }
    return render(request, "workloads/yaml.html", context)


@require_GET
@not_found_page
def yaml_view(request: HtmxHttpRequest, namespace: str, resource: str, name: str) -> HttpResponse:
    kind = kind_or_404(resource, namespaced=True)
    address_or_404(namespace, name)
    return _yaml(request, kind, namespace, name)


@require_GET
@not_found_page
def cluster_yaml_view(request: HtmxHttpRequest, resource: str, name: str) -> HttpResponse:
    name_or_404(name)
    return _yaml(request, kind_or_404(resource, namespaced=False), "", name)


@require_GET
@not_found_page
def revision_diff(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """The pod-template diff between two revisions: a fragment for the Deployment's page, a
    page of its own when opened directly."""
    address_or_404(namespace, name)
    form = DiffForm(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "namespace": namespace,
        "name": name,
        "detail_url": facts.object_url(DEPLOYMENTS, namespace, name),
    }
    template = "workloads/diff.html#diff" if request.htmx else "workloads/diff.html"
    if form.is_valid():
        cfg = cluster_config()
        old, new = form.cleaned_data["old"], form.cleaned_data["new"]
        try:
            deployment = objects.get_object(cfg, DEPLOYMENTS, namespace, name)
            context["diff"] = history.template_diff(cfg, deployment, old, new)
        except ClusterError as exc:
            if not request.htmx:
                return problem_page(request, exc, _label(DEPLOYMENTS, namespace, name))
            context["error"] = str(exc)
        context["old"], context["new"] = old, new
    return render(request, template, context)


# -- logs ------------------------------------------------------------------------------------


def _pod_containers(pod: dict[str, Any]) -> tuple[list[str], str]:
    spec = pod.get("spec") or {}
    names = [str(c.get("name")) for c in spec.get("containers") or []]
    inits = [str(c.get("name")) for c in spec.get("initContainers") or []]
    annotated = ((pod.get("metadata") or {}).get("annotations") or {}).get(
        DEFAULT_CONTAINER_ANNOTATION, ""
    )
    default = annotated if annotated in names else (names[0] if names else "")
    return names + inits, default


@require_GET
@not_found_page
def pod_logs(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    address_or_404(namespace, name)
    cfg = cluster_config()
    try:
        pod = objects.get_object(cfg, PODS, namespace, name)
    except ClusterError as exc:
        return problem_page(request, exc, _label(PODS, namespace, name))
    containers, default = _pod_containers(pod)
    form = LogForm(request.GET, containers, default)
    context: dict[str, Any] = {
        "form": form,
        "namespace": namespace,
        "name": name,
        "detail_url": facts.object_url(PODS, namespace, name),
        "lines": [],
        "max_lines": logs.MAX_TAIL,
    }
    if form.is_valid():
        options = form.options()
        lines, context["error"] = attempt(
            lambda: logs.read_log(cfg, namespace, name, options), "the log"
        )
        context["lines"] = lines
        # A follower asks for what is newer than the last line shown; an empty log (a quiet
        # container, a since-time ahead) is followed from now on.
        after = next((line.stamp for line in reversed(lines) if line.stamp), "") or (
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        )
        context["query"] = request.GET.urlencode()
        context["follow_query"] = _follow_query(form.cleaned_data, after)
        context["show_stamps"] = form.cleaned_data["timestamps"]
        context["following"] = form.cleaned_data["follow"] and not context["error"]
    return render(request, "workloads/logs.html", context)


def _follow_query(data: dict[str, Any], after: str) -> str:
    query = {"container": data["container"], "after": after}
    for flag in ("previous", "timestamps"):
        if data[flag]:
            query[flag] = "on"
    return urlencode(query)


@require_GET
@not_found_page
def pod_logs_follow(request: HtmxHttpRequest, namespace: str, name: str) -> HttpResponse:
    """The lines newer than `after`, appended by the log page's poller, with the poller
    itself (out of band) carrying the newest stamp for the next ask."""
    address_or_404(namespace, name)
    form = FollowForm(request.GET)
    if not form.is_valid():
        return HttpResponseStopPolling()
    data = form.cleaned_data
    options = logs.LogOptions(container=data["container"], previous=data["previous"])
    try:
        lines = logs.lines_after(cluster_config(), namespace, name, options, data["after"])
    except NotFound:
        return HttpResponseStopPolling("")
    except ClusterError:
        return HttpResponse(status=204)  # a passing failure: the next poll asks again
    if not lines:
        return HttpResponse(status=204)
    context = {
        "lines": lines,
        "namespace": namespace,
        "name": name,
        "show_stamps": data["timestamps"],
        "following": True,
        "oob": True,
        "follow_query": _follow_query(data, lines[-1].stamp),
    }
    return render(request, "workloads/logs.html#follow", context)


@require_GET
@not_found_page
def pod_logs_download(
    request: HtmxHttpRequest, namespace: str, name: str
) -> HttpResponse | StreamingHttpResponse:
    """The log as a text file, streamed from the API server as it reads."""
    address_or_404(namespace, name)
    cfg = cluster_config()
    try:
        pod = objects.get_object(cfg, PODS, namespace, name)
    except ClusterError as exc:
        return problem_page(request, exc, _label(PODS, namespace, name))
    containers, default = _pod_containers(pod)
    form = LogForm(request.GET, containers, default)
    if not form.is_valid():
        return HttpResponse(
            "Invalid log options: " + form.errors.as_text(),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    options = form.options()
    options = logs.LogOptions(
        options.container,
        options.tail,
        options.previous,
        options.since_seconds,
        options.since_time,
        timestamps=form.cleaned_data["timestamps"],
    )
    try:
        pieces = logs.stream_log(cfg, namespace, name, options)
    except ClusterError as exc:
        return problem_page(request, exc, f"the log of {_label(PODS, namespace, name)}")
    response = StreamingHttpResponse(pieces, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{options.container}.log"'
    return response
