"""The pods/eviction subresource and the PodDisruptionBudget status it is judged by.

As pkg/registry/core/pod/storage/eviction.go: a pod that is Pending, finished or already
terminating is deleted at once; otherwise the one PDB selecting it must allow a disruption,
else 429 `Cannot evict pod as it would violate the pod's disruption budget.` with a
`DisruptionBudget` cause. The budget's status is computed from the pods as the disruption
controller computes it (controllers/disruption.py), at the moment of the eviction, so
evictions in a row see the pods already terminating (what the controller's DisruptedPods map
is for).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from opsconsole.sandbox import errors, gc
from opsconsole.sandbox.controllers.disruption import PDBS, budget_status, selected_pods
from opsconsole.sandbox.httputil import Target, dry_run, json_response
from opsconsole.sandbox.resources import preferred

if TYPE_CHECKING:
    from opsconsole.sandbox.api import Api

Obj = dict[str, Any]
PODS = preferred("", "pods")
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


async def evict(api: Api, request: web.Request, t: Target) -> web.StreamResponse:
    assert t.name is not None
    if request.method != "POST":
        raise errors.method_not_allowed(request.method)
    store = api.store
    ns = t.namespace or ""
    # JSON from the official client; protobuf from kubectl drain's typed client.
    body = await api.body(request, ns) if await request.read() else {}
    if not isinstance(body, dict):
        raise errors.bad_request("the request body is not a valid Eviction")
    name = (body.get("metadata") or {}).get("name")
    if name and name != t.name:
        raise errors.bad_request(
            f"name in URL does not match name in Eviction object: {t.name}, {name}"
        )
    options = body.get("deleteOptions") or {}
    dry = dry_run(request) or "All" in (options.get("dryRun") or [])
    pod = store.must_get(PODS, ns, t.name)
    phase = (pod.get("status") or {}).get("phase", "Pending")
    ignore_budgets = phase in ("Pending", "Succeeded", "Failed") or bool(
        pod["metadata"].get("deletionTimestamp")
    )
    budgets: list[Obj] = []
    if not ignore_budgets:
        budgets = [
            b for b in store.objects(PDBS, ns) if any(p is pod for p in selected_pods(store, b))
        ]
        if len(budgets) > 1:
            raise errors.ApiError(
                500,
                "This pod has more than one PodDisruptionBudget, which the eviction "
                "subresource does not support.",
            )
        if budgets:
            status = budget_status(store, budgets[0])
            if status["disruptionsAllowed"] == 0:
                raise errors.ApiError(
                    429,
                    VIOLATION,
                    "TooManyRequests",
                    {
                        "causes": [
                            {
                                "reason": "DisruptionBudget",
                                "message": (
                                    f"The disruption budget {budgets[0]['metadata']['name']} "
                                    f"needs {status['desiredHealthy']} healthy pods and has "
                                    f"{status['currentHealthy']} currently"
                                ),
                            }
                        ]
                    },
                )
    pre = options.get("preconditions") or {}
    grace = options.get("gracePeriodSeconds")
    gc.delete(
        store,
        PODS,
        ns,
        t.name,
        options.get("propagationPolicy") or "Background",
        dry,
        pre.get("uid", ""),
        pre.get("resourceVersion", ""),
        grace if isinstance(grace, int) else None,
    )
    if not dry:
        for budget in budgets:  # what the controller's DisruptedPods bookkeeping is for
            store.update(PDBS, {**budget, "status": budget_status(store, budget)}, check_rv=False)
    return json_response(
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}, 201
    )
