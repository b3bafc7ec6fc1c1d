"""Controllers that move the sandbox's state the way kube-controller-manager and kubelets do."""

from __future__ import annotations

from opsconsole.sandbox.clock import Clock
from opsconsole.sandbox.controllers import (
    batch,
    deployments,
    disruption,
    endpointslices,
    hpa,
    namespaces,
    statefulsets,
)
from opsconsole.sandbox.controllers.base import (
    CRONJOBS,
    DAEMONSETS,
    DEPLOYMENTS,
    JOBS,
    NODES,
    PODS,
    PVCS,
    REPLICASETS,
    STATEFULSETS,
    Context,
    Manager,
    controller_of,
)
from opsconsole.sandbox.controllers.nodes import ensure_nodes, sync_cordon
from opsconsole.sandbox.controllers.pods import Kubelet
from opsconsole.sandbox.controllers.scheduling import Tracker
from opsconsole.sandbox.events import Recorder
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.store import Change, Store

OWNER_KINDS = {
    "ReplicaSet": REPLICASETS,
    "Deployment": DEPLOYMENTS,
    "Job": JOBS,
    "StatefulSet": STATEFULSETS,
    "DaemonSet": DAEMONSETS,
    "CronJob": CRONJOBS,
}


def _wake_owner(ctx: Context, change: Change) -> None:
    """A change to a pod/ReplicaSet/Job is news for the object that controls it."""
    ref = controller_of(change.obj)
    if ref is None:
        return
    rt = OWNER_KINDS.get(ref.get("kind", ""))
    if rt is not None:
        ctx.enqueue(rt, change.obj["metadata"].get("namespace", ""), ref["name"])


def build(store: Store, clock: Clock) -> tuple[Manager, Context]:
    ensure_nodes(store)
    ctx = Context(store, Recorder(store), clock)
    manager = Manager(ctx)
    kubelet = Kubelet(Tracker(store))
    kubelet.tracker.on_room = lambda pods: kubelet.retry(ctx, pods)
    manager.register(PODS, kubelet.reconcile)
    manager.register(NODES, sync_cordon)
    manager.register(REPLICASETS, deployments.reconcile_replicaset)
    manager.register(DEPLOYMENTS, deployments.reconcile_deployment)
    manager.register(STATEFULSETS, statefulsets.reconcile_statefulset)
    manager.register(DAEMONSETS, statefulsets.reconcile_daemonset)
    manager.register(JOBS, batch.reconcile_job)
    manager.register(PVCS, namespaces.reconcile_claim)
    manager.register(namespaces.NAMESPACES, namespaces.reconcile_namespace)
    manager.register(endpointslices.SERVICES, endpointslices.reconcile_service)
    manager.watchers += [_wake_owner, kubelet.on_change, endpointslices.wake_services]
    cron = batch.CronScheduler()
    manager.periodic += [(0.5, deployments.sweep_deadlines), (0.5, cron.tick), (2.0, hpa.sync_hpas)]
    manager.periodic.append((1.0, disruption.sync_budgets))
    return manager, ctx


__all__ = ["Context", "Manager", "build", "preferred"]
