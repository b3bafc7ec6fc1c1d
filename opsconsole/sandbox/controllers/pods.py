"""Scheduler and kubelet: pods go Pending → scheduled → pulled → Running → Ready (or not).

Workload faults are read from the pod (inherited from the template):
- an image containing `never-pulls` stays in ErrImagePull / ImagePullBackOff;
- annotation `sandbox.opsconsole.io/crash: "true"` crash-loops (restartCount grows);
- annotation `sandbox.opsconsole.io/fail: "true"` makes a run-to-completion pod exit 1;
- annotation `sandbox.opsconsole.io/duration-seconds` is how long such a pod runs (default 1).
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from opsconsole.sandbox.controllers.base import NODES, PODS, Context
from opsconsole.sandbox.controllers.scheduling import Tracker, choose_node
from opsconsole.sandbox.store import Change, clone, now_iso

Obj = dict[str, Any]
ANN = "sandbox.opsconsole.io/"
PULL_SECONDS = 0.3
READY_SECONDS = 0.3
CRASH_BACKOFF = 2.0
KUBELET = "kubelet"


def never_pulls(image: str) -> bool:
    return "never-pulls" in image


def _ann(pod: Obj, key: str) -> str:
    return str((pod["metadata"].get("annotations") or {}).get(ANN + key, ""))


def _cond(type_: str, ok: bool, reason: str = "", now: str = "") -> Obj:
    c: Obj = {
        "type": type_,
        "status": "True" if ok else "False",
        "lastProbeTime": None,
        "lastTransitionTime": now or now_iso(),
    }
    if reason:
        c["reason"] = reason
    return c


def _qos(spec: Obj) -> str:
    reqs = [c.get("resources") or {} for c in spec.get("containers") or []]
    if not any(r.get("requests") or r.get("limits") for r in reqs):
        return "BestEffort"
    guaranteed = all(
        r.get("limits")
        and all(r["limits"].get(k) == v for k, v in (r.get("requests") or r["limits"]).items())
        and {"cpu", "memory"} <= set(r["limits"])
        for r in reqs
    )
    return "Guaranteed" if guaranteed else "Burstable"


def _host_ip(node: Obj | None) -> str:
    for address in (node or {}).get("status", {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return str(address["address"])
    return ""


def _container_status(
    c: Obj, state: Obj, ready: bool, restarts: int = 0, last: Obj | None = None
) -> Obj:
    image = c.get("image", "")
    running = "running" in state or "terminated" in state
    return {
        "name": c["name"],
        "image": image,
        "imageID": f"docker-pullable://{image.split(':')[0]}@sha256:"
        + hashlib.sha256(image.encode()).hexdigest()
        if running
        else "",
        "containerID": "containerd://"
        + hashlib.sha256(f"{c['name']}{restarts}{image}".encode()).hexdigest()
        if running
        else "",
        "state": state,
        "lastState": last or {},
        "ready": ready,
        "restartCount": restarts,
        "started": "running" in state,
    }


class Kubelet:
    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        # The next step of each pod is due at a time; changes before then are not news.
        self.due: dict[str, float] = {}
        self.stopping: dict[str, float] = {}  # uid → when its grace period ends

    def retry(self, ctx: Context, pods: list[tuple[str, str]]) -> None:
        """Room was freed or a node changed: waiting pods try again now, not at their back-off."""
        for ns, name in pods:
            pod = ctx.store.get(PODS, ns, name)
            if pod is not None:
                self.due.pop(pod["metadata"]["uid"], None)
                ctx.enqueue(PODS, ns, name)

    def _after(self, ctx: Context, pod: Obj, seconds: float) -> None:
        self.due[pod["metadata"]["uid"]] = asyncio.get_running_loop().time() + seconds
        ctx.later(seconds, PODS, pod["metadata"].get("namespace", ""), pod["metadata"]["name"])

    def reconcile(self, ctx: Context, ns: str, name: str) -> None:
        pod = ctx.store.get(PODS, ns, name)
        if pod is None:
            return
        if pod["metadata"].get("deletionTimestamp"):
            self._terminate(ctx, pod)
            return
        if asyncio.get_running_loop().time() < self.due.get(pod["metadata"]["uid"], 0.0):
            return
        phase = pod.get("status", {}).get("phase", "Pending")
        if phase in ("Succeeded", "Failed"):
            return
        if not pod["spec"].get("nodeName"):
            self._schedule(ctx, pod)
            return
        statuses = pod.get("status", {}).get("containerStatuses")
        if not statuses:
            self._create_containers(ctx, pod)
        elif any(
            s["state"].get("waiting", {}).get("reason") == "ContainerCreating" for s in statuses
        ):
            self._start(ctx, pod)
        else:
            self._tick(ctx, pod)

    def _terminate(self, ctx: Context, pod: Obj) -> None:
        """Stop the containers, then confirm the deletion once the grace period is over."""
        uid = pod["metadata"]["uid"]
        now = asyncio.get_running_loop().time()
        if uid not in self.stopping:
            grace = ctx.clock.real(float(pod["metadata"].get("deletionGracePeriodSeconds", 30)))
            self.stopping[uid] = now + grace
            ctx.later(grace, PODS, pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
            for c in pod["spec"].get("containers") or []:
                ctx.recorder.record(
                    pod,
                    "Killing",
                    f"Stopping container {c['name']}",
                    component=KUBELET,
                    field_path=f"spec.containers{{{c['name']}}}",
                )
            return
        if now >= self.stopping[uid] - 0.001:
            ns, name = pod["metadata"].get("namespace", ""), pod["metadata"]["name"]
            if ctx.store.get(PODS, ns, name) is pod:
                ctx.store.remove(PODS, ns, name)

    def _update(self, ctx: Context, pod: Obj, status: Obj) -> Obj | None:
        new = {**pod, "status": status}
        return ctx.write(PODS, new)

    def _schedule(self, ctx: Context, pod: Obj) -> None:
        node, why = choose_node(ctx.store, self.tracker, pod)
        ns, name = pod["metadata"].get("namespace", ""), pod["metadata"]["name"]
        status = clone(pod.get("status") or {})
        status["phase"] = "Pending"
        status["qosClass"] = _qos(pod["spec"])
        if node is None:
            was: Obj = next(
                (c for c in status.get("conditions") or [] if c["type"] == "PodScheduled"), {}
            )
            cond = {**_cond("PodScheduled", False, "Unschedulable"), "message": why}
            if was.get("status") == "False":
                cond["lastTransitionTime"] = was.get("lastTransitionTime")
            status["conditions"] = [cond]
            self._update(ctx, pod, status)
            ctx.recorder.record(pod, "FailedScheduling", why, "Warning", "default-scheduler")
            self._after(ctx, pod, 5.0)  # and sooner when room is freed (Tracker.on_room)
            return
        new = clone(pod)
        new["spec"]["nodeName"] = node
        status["conditions"] = [_cond("PodScheduled", True)]
        new["status"] = status
        if ctx.write(PODS, new) is not None:
            ctx.recorder.record(
                new,
                "Scheduled",
                f"Successfully assigned {ns}/{name} to {node}",
                component="default-scheduler",
            )
        self._after(ctx, pod, 0.05)

    def _create_containers(self, ctx: Context, pod: Obj) -> None:
        now = now_iso()
        status = clone(pod["status"])
        host = _host_ip(ctx.store.get(NODES, "", pod["spec"]["nodeName"]))
        status.update(hostIP=host, hostIPs=[{"ip": host}], startTime=now)
        status["conditions"] = [
            _cond("PodReadyToStartContainers", True, now=now),
            _cond("Initialized", True, now=now),
            _cond("Ready", False, "ContainersNotReady", now),
            _cond("ContainersReady", False, "ContainersNotReady", now),
            *[c for c in status.get("conditions", []) if c["type"] == "PodScheduled"],
        ]
        waiting = {"waiting": {"reason": "ContainerCreating"}}
        status["containerStatuses"] = [
            _container_status(c, waiting, False) for c in pod["spec"]["containers"]
        ]
        if self._update(ctx, pod, status) is not None:
            for c in pod["spec"]["containers"]:
                ctx.recorder.record(
                    pod,
                    "Pulling",
                    f'Pulling image "{c.get("image")}"',
                    component=KUBELET,
                    field_path=f"spec.containers{{{c['name']}}}",
                )
        self._after(ctx, pod, PULL_SECONDS)

    def _start(self, ctx: Context, pod: Obj) -> None:
        now = now_iso()
        status = clone(pod["status"])
        out, all_running = [], True
        for c in pod["spec"]["containers"]:
            fp = f"spec.containers{{{c['name']}}}"
            image = c.get("image", "")
            if never_pulls(image):
                msg = (
                    f'Failed to pull image "{image}": rpc error: code = NotFound desc = '
                    f"failed to pull and unpack image: not found"
                )
                ctx.recorder.record(pod, "Failed", msg, "Warning", KUBELET, fp)
                ctx.recorder.record(pod, "Failed", "Error: ErrImagePull", "Warning", KUBELET, fp)
                out.append(
                    _container_status(
                        c, {"waiting": {"reason": "ErrImagePull", "message": msg}}, False
                    )
                )
                all_running = False
                continue
            ctx.recorder.record(
                pod,
                "Pulled",
                f'Successfully pulled image "{image}" in 312ms',
                component=KUBELET,
                field_path=fp,
            )
            ctx.recorder.record(
                pod, "Created", f"Created container: {c['name']}", component=KUBELET, field_path=fp
            )
            ctx.recorder.record(
                pod, "Started", f"Started container {c['name']}", component=KUBELET, field_path=fp
            )
            out.append(_container_status(c, {"running": {"startedAt": now}}, False))
        status["containerStatuses"] = out
        if all_running:
            status["phase"] = "Running"
            node = ctx.store.get(NODES, "", pod["spec"]["nodeName"])
            ip = status.get("podIP") or (self.tracker.allocate_ip(node) if node else "")
            if ip:  # from the node's podCIDR, unique among its pods
                status.update(podIP=ip, podIPs=[{"ip": ip}])
        self._update(ctx, pod, status)
        self._after(ctx, pod, READY_SECONDS if all_running else 1.0)

    def _tick(self, ctx: Context, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        status = clone(pod["status"])
        now = now_iso()
        specs = {c["name"]: c for c in pod["spec"]["containers"]}
        crash = _ann(pod, "crash") == "true"
        completes = pod["spec"].get("restartPolicy", "Always") != "Always"
        changed, next_in = False, 0.0
        for cs in status["containerStatuses"]:
            state = cs["state"]
            waiting = state.get("waiting", {}).get("reason")
            c = specs.get(cs["name"], {"name": cs["name"]})
            fp = f"spec.containers{{{cs['name']}}}"
            if waiting == "ErrImagePull":
                cs["state"] = {
                    "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": f'Back-off pulling image "{cs["image"]}"',
                    }
                }
                ctx.recorder.record(
                    pod, "BackOff", f'Back-off pulling image "{cs["image"]}"', "Normal", KUBELET, fp
                )
                ctx.recorder.record(
                    pod, "Failed", "Error: ImagePullBackOff", "Warning", KUBELET, fp
                )
                changed, next_in = True, 3.0
            elif waiting == "ImagePullBackOff":
                cs["state"] = {"waiting": {"reason": "ErrImagePull"}}
                changed, next_in = True, 2.0
            elif waiting == "CrashLoopBackOff":
                cs["state"] = {"running": {"startedAt": now}}
                ctx.recorder.record(
                    pod,
                    "Started",
                    f"Started container {cs['name']}",
                    component=KUBELET,
                    field_path=fp,
                )
                changed, next_in = True, READY_SECONDS
            elif "running" in state and crash:
                last = {
                    "terminated": {
                        "exitCode": 1,
                        "reason": "Error",
                        "startedAt": state["running"]["startedAt"],
                        "finishedAt": now,
                    }
                }
                cs.update(
                    lastState=last,
                    restartCount=cs.get("restartCount", 0) + 1,
                    state={
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": "back-off restarting failed container",
                        }
                    },
                    started=False,
                    ready=False,
                )
                ctx.recorder.record(
                    pod,
                    "BackOff",
                    f"Back-off restarting failed container {cs['name']} in pod {name}",
                    "Warning",
                    KUBELET,
                    fp,
                )
                changed, next_in = True, CRASH_BACKOFF
            elif "running" in state and not cs["ready"]:
                cs["ready"] = True
                changed = True
                if completes:
                    try:
                        next_in = float(_ann(pod, "duration-seconds") or 1.0)
                    except ValueError:
                        next_in = 1.0
            elif "running" in state and completes:
                fail = _ann(pod, "fail") == "true"
                cs["state"] = {
                    "terminated": {
                        "exitCode": 1 if fail else 0,
                        "reason": "Error" if fail else "Completed",
                        "startedAt": state["running"]["startedAt"],
                        "finishedAt": now,
                    }
                }
                cs["ready"], cs["started"] = False, False
                changed = True
            cs["image"] = c.get("image", cs["image"])
        if not changed:
            return
        css = status["containerStatuses"]
        ready = all(cs["ready"] for cs in css)
        terminated = [cs["state"]["terminated"] for cs in css if "terminated" in cs["state"]]
        if completes and len(terminated) == len(css):
            failed = any(t["exitCode"] != 0 for t in terminated)
            status["phase"] = "Failed" if failed else "Succeeded"
            ready = False
        elif all("running" in cs["state"] for cs in css) or any(
            cs.get("restartCount") for cs in css
        ):
            status["phase"] = "Running"
        reason = (
            ""
            if ready
            else "PodCompleted"
            if status["phase"] in ("Succeeded", "Failed")
            else "ContainersNotReady"
        )
        for cond in status["conditions"]:
            if cond["type"] in ("Ready", "ContainersReady"):
                if (cond["status"] == "True") != ready:
                    cond.update(status="True" if ready else "False", lastTransitionTime=now)
                if reason:
                    cond["reason"] = reason
                else:
                    cond.pop("reason", None)
        self._update(ctx, pod, status)
        if next_in:
            self._after(ctx, pod, next_in)

    def on_change(self, ctx: Context, change: Change) -> None:
        if change.key != PODS.key or change.type != "DELETED":
            return
        self.due.pop(change.obj["metadata"]["uid"], None)
        self.stopping.pop(change.obj["metadata"]["uid"], None)
