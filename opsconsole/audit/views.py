from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from opsconsole.audit import diff, export, review
from opsconsole.audit.canonical import GENESIS
from opsconsole.audit.decorators import permission_required
from opsconsole.audit.forms import SignOffForm
from opsconsole.audit.links import related_trail_url, target_trail_url
from opsconsole.audit.models import AuditEvent
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.query import Cursor, FilterForm, filter_events, page_of
from opsconsole.audit.recorder import record
from opsconsole.web.http import HtmxHttpRequest

SIGN_OFF_PERMISSION = "audit.sign_off_review"
# Paging parameters are not filters: exports and new filter values drop them.
_PAGING = ("older", "newer")


@dataclass(frozen=True)
class Row:
    """One table row, its links and texts prepared here: building them in the template
    (url tags, urlencode and date filters, 50 times over) was most of a page's time."""

    event: AuditEvent
    url: str
    time: str
    actor_query: str
    target_query: str
    unreviewed: bool


def _rows(events: list[AuditEvent], reviewed_up_to: int) -> list[Row]:
    base = reverse("audit:list")  # the detail route is "<id>/" below it
    rows = []
    for event in events:
        target = {"kind": event.target_kind, "name": event.target_name}
        rows.append(
            Row(
                event=event,
                url=f"{base}{event.id}/",
                time=event.time.strftime("%Y-%m-%d %H:%M:%S"),
                actor_query=urlencode({"actor": event.actor_name}),
                target_query=urlencode({k: v for k, v in target.items() if v}),
                unreviewed=event.id > reviewed_up_to,
            )
        )
    return rows


def _head_id() -> int:
    """The newest event's id (0 for an empty log): the list's sign-off default, the export's
    upper bound."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _filter_query(request: HtmxHttpRequest) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k not in _PAGING and v], safe="*:")


@require_GET
def event_list(request: HtmxHttpRequest) -> HttpResponse:
    form = FilterForm(request.GET)
    reviewed = review.reviewed_up_to()
    page = None
    if form.is_valid():
        page = page_of(
            filter_events(form.cleaned_data, reviewed),
            older=Cursor.parse(request.GET.get("older", "")),
            newer=Cursor.parse(request.GET.get("newer", "")),
        )
    head = _head_id()
    query = _filter_query(request)
    context = {
        "form": form,
        "page": page,
        "rows": _rows(page.events, reviewed) if page else [],
        "query": query,
        "query_prefix": f"{query}&" if query else "",
        "reviewed_up_to": reviewed,
        "unreviewed": review.unreviewed_count(reviewed),
        "unreviewed_cap": review.UNREVIEWED_COUNT_CAP,
        "head_id": head,
        "can_sign_off": request.user.has_perm(SIGN_OFF_PERMISSION),
        "sign_off_form": SignOffForm(initial={"up_to": head}),
    }
    # A history restore needs the whole page; any other htmx request swaps the results.
    if not request.htmx or request.htmx.history_restore_request:
        return render(request, "audit/list.html", context)
    response = render(request, "audit/list.html#results", context)
    # The form sends every field, empty ones too; the address bar gets the short form.
    paging = [(k, request.GET[k]) for k in _PAGING if request.GET.get(k)]
    pushed = "&".join(filter(None, [query, urlencode(paging)]))
    response["HX-Push-Url"] = f"{request.path}?{pushed}" if pushed else request.path
    return response


@require_GET
def event_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(AuditEvent, pk=pk)
    previous = AuditEvent.objects.filter(id__lt=event.id).order_by("-id").first()
    context = {
        "event": event,
        "parameters": json.dumps(event.parameters, indent=2, sort_keys=True, ensure_ascii=False),
        "changes": diff.changes(event.before, event.after),
        "previous": previous,
        "links_to_previous": event.prev_hash == (previous.hash if previous else GENESIS),
        "target_trail": target_trail_url(
            event.target_kind, event.target_name, event.target_namespace
        ),
        "related_trail": related_trail_url(event.related_kind, event.related_id),
        "reviewed": event.id <= review.reviewed_up_to(),
    }
    return render(request, "audit/detail.html", context)


def _export(request: HtmxHttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    form = FilterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest("Invalid filters: " + form.errors.as_text())
    # The export covers the log as it is now: its own event (recorded next) is left out,
    # so it holds exactly the rows the same filtered list shows.
    head = _head_id()
    events = filter_events(form.cleaned_data, review.reviewed_up_to()).filter(id__lte=head)
    record(
        "audit.export",
        outcome=Outcome.SUCCEEDED,
        request=request,
        parameters={"format": fmt, "filters": _filter_query(request), "up_to_id": head},
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    if fmt == "csv":
        response = StreamingHttpResponse(
            export.csv_lines(events), content_type="text/csv; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(
            export.jsonl_lines(events), content_type="application/jsonl; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    return response


@require_GET
def export_csv(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _export(request, "csv")


@require_GET
def export_jsonl(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _export(request, "jsonl")


@require_POST
@permission_required(SIGN_OFF_PERMISSION, verb="audit.sign_off")
def sign_off(request: HtmxHttpRequest) -> HttpResponse:
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            signed = review.sign_off(request, form.cleaned_data["up_to"], form.cleaned_data["note"])
        except review.SignOffRefused as exc:
            problem = str(exc)
        else:
            messages.success(
                request,
                f"Signed off events #{signed.after_id + 1} to #{signed.up_to_id} "
                f"({signed.event_count} events).",
            )
            return redirect("audit:list")
    else:
        problem = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
    record(
        "audit.sign_off",
        outcome=Outcome.FAILED,
        request=request,
        reason=problem,
        parameters={"up_to": request.POST.get("up_to", "")[:32]},
    )
    messages.error(request, f"Nothing was signed off: {problem}")
    return redirect("audit:list")
