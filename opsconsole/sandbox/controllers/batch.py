"""Job and CronJob controllers.

Job pods run for `sandbox.opsconsole.io/duration-seconds` (default 1 s) and succeed, or fail
when the template carries `sandbox.opsconsole.io/fail: "true"`. Back-off between retries and
ttlSecondsAfterFinished use the sandbox clock (see clock.py).
"""

from __future__ import annotations

import calendar
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from opsconsole.sandbox.controllers.base import (
    CRONJOBS,
    JOBS,
    PODS,
    Context,
    controller_of,
    owner_ref,
)
from opsconsole.sandbox.controllers.deployments import new_pod, pod_ready
from opsconsole.sandbox.gc import delete
from opsconsole.sandbox.store import clone, now_iso, short_hash

Obj = dict[str, Any]
CONTROLLER = "job-controller"


def _epoch(ts: str) -> float:
    return float(calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")))


def _finished(job: Obj) -> str:
    for c in (job.get("status") or {}).get("conditions") or []:
        if c["type"] in ("Complete", "Failed") and c["status"] == "True":
            return str(c["type"])
    return ""


def _cond(type_: str, reason: str, message: str) -> Obj:
    now = now_iso()
    return {
        "type": type_,
        "status": "True",
        "lastProbeTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def reconcile_job(ctx: Context, ns: str, name: str) -> None:
    job = ctx.store.get(JOBS, ns, name)
    if job is None:
        return
    spec, st = job["spec"], clone(job.get("status") or {})
    done = _finished(job)
    if done:
        ttl = spec.get("ttlSecondsAfterFinished")
        if ttl is not None:
            finished_at = st.get("completionTime") or next(
                c["lastTransitionTime"] for c in st["conditions"] if c["type"] == done
            )
            end = _epoch(finished_at)
            wait = end + ctx.clock.real(float(ttl)) - time.time()
            if wait <= 0:
                delete(ctx.store, JOBS, ns, name, "Background")
            else:
                ctx.later(wait, JOBS, ns, name)
        return
    if spec.get("suspend"):
        return
    pods = ctx.store.owned(job["metadata"]["uid"], PODS)
    succeeded = sum(1 for p in pods if p.get("status", {}).get("phase") == "Succeeded")
    failed = sum(1 for p in pods if p.get("status", {}).get("phase") == "Failed")
    active = [
        p
        for p in pods
        if p.get("status", {}).get("phase") not in ("Succeeded", "Failed")
        and not p["metadata"].get("deletionTimestamp")
    ]
    completions = int(spec.get("completions") or 1)
    parallelism = int(spec.get("parallelism") or 1)
    st.setdefault("startTime", now_iso())
    conds = st.setdefault("conditions", [])
    if succeeded >= completions:
        for p in active:
            delete(ctx.store, PODS, ns, p["metadata"]["name"])
        active = []
        conds += [
            _cond(
                "SuccessCriteriaMet",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
            ),
            _cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
        ]
        st["completionTime"] = now_iso()
        ctx.recorder.record(job, "Completed", "Job completed", component=CONTROLLER)
        if spec.get("ttlSecondsAfterFinished") is not None:
            ctx.later(ctx.clock.real(float(spec["ttlSecondsAfterFinished"])) + 0.05, JOBS, ns, name)
    elif failed > int(spec.get("backoffLimit", 6)):
        for p in active:
            delete(ctx.store, PODS, ns, p["metadata"]["name"])
        active = []
        msg = "Job has reached the specified backoff limit"
        conds += [
            _cond("FailureTarget", "BackoffLimitExceeded", msg),
            _cond("Failed", "BackoffLimitExceeded", msg),
        ]
        ctx.recorder.record(job, "BackoffLimitExceeded", msg, "Warning", CONTROLLER)
        if spec.get("ttlSecondsAfterFinished") is not None:
            ctx.later(ctx.clock.real(float(spec["ttlSecondsAfterFinished"])) + 0.05, JOBS, ns, name)
    else:
        want = min(parallelism, completions - succeeded) - len(active)
        # Retries wait an exponential back-off (10 s, 20 s … on the cluster clock).
        last_fail = max(
            (
                p["status"]["containerStatuses"][0]["state"]
                .get("terminated", {})
                .get("finishedAt", "")
                for p in pods
                if p.get("status", {}).get("phase") == "Failed"
                and p["status"].get("containerStatuses")
            ),
            default="",
        )
        if want > 0 and failed and last_fail:
            wait = _epoch(last_fail) + ctx.clock.real(10.0 * 2 ** (failed - 1)) - time.time()
            if wait > 0:
                ctx.later(wait, JOBS, ns, name)
                want = 0
        for i in range(max(0, want)):
            job_uid = job["metadata"]["uid"]
            pod_name = f"{name}-{short_hash(f'{job_uid}{ctx.store.rv}{i}')}"
            pod = new_pod(job, spec["template"], pod_name)
            if ctx.create(PODS, pod) is not None:
                active.append(pod)
                ctx.recorder.record(
                    job, "SuccessfulCreate", f"Created pod: {pod_name}", component=CONTROLLER
                )
    st.update(
        active=len(active),
        succeeded=succeeded,
        failed=failed,
        ready=sum(1 for p in active if pod_ready(p)),
        terminating=0,
        uncountedTerminatedPods={},
    )
    for k in ("active", "succeeded", "failed"):
        if not st[k]:
            del st[k]
    if not conds:
        del st["conditions"]
    if st != job.get("status"):
        ctx.write(JOBS, {**job, "status": st})


# -- CronJob ----------------------------------------------------------------------------------

_NAMES = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "sun": 0,
    "mon": 1,
    "tue": 2,
    "wed": 3,
    "thu": 4,
    "fri": 5,
    "sat": 6,
}
_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def _field(text: str, lo: int, hi: int) -> set[int]:
    out: set[int] = set()
    for part in text.lower().split(","):
        rng, _, step_s = part.partition("/")
        step = int(step_s) if step_s else 1
        if rng in ("*", "?"):
            a, b = lo, hi
        elif "-" in rng:
            x, y = rng.split("-", 1)
            a, b = int(_NAMES.get(x, x)), int(_NAMES.get(y, y))
        else:
            a = int(_NAMES.get(rng, rng))
            b = hi if step_s else a
        out.update(range(a, b + 1, step))
    return out


def cron_matches(schedule: str, when: datetime) -> bool:
    """Whether a standard 5-field cron schedule fires at this minute."""
    fields = _MACROS.get(schedule.strip(), schedule).split()
    if len(fields) != 5:
        return False
    minute, hour, dom, month, dow = fields
    dows = {d % 7 for d in _field(dow, 0, 7)}
    day_ok = (
        (when.day in _field(dom, 1, 31))
        if dow == "*"
        else (
            (when.isoweekday() % 7) in dows
            if dom == "*"
            else when.day in _field(dom, 1, 31) or (when.isoweekday() % 7) in dows
        )
    )
    return (
        when.minute in _field(minute, 0, 59)
        and when.hour in _field(hour, 0, 23)
        and when.month in _field(month, 1, 12)
        and day_ok
    )


def job_from_cronjob(cj: Obj, name: str, manual: bool = False) -> Obj:
    jt = clone(cj["spec"].get("jobTemplate") or {})
    meta = jt.get("metadata") or {}
    annotations = dict(meta.get("annotations") or {})
    if manual:
        annotations["cronjob.kubernetes.io/instantiate"] = "manual"
    return {
        "metadata": {
            "name": name,
            "namespace": cj["metadata"]["namespace"],
            "labels": dict(meta.get("labels") or {}),
            "annotations": annotations,
            "ownerReferences": [owner_ref(cj)],
        },
        "spec": jt.get("spec") or {},
    }


class CronScheduler:
    def __init__(self) -> None:
        self.last_minute: dict[str, int] = {}

    def tick(self, ctx: Context) -> None:
        now = datetime.fromtimestamp(ctx.clock.cluster_now(), UTC)
        minute = int(now.timestamp() // 60)
        for cj in list(ctx.store.objects(CRONJOBS)):
            uid = cj["metadata"]["uid"]
            seen = self.last_minute.get(uid)
            self.last_minute[uid] = minute
            self._sync_status(ctx, cj)
            if seen is None or seen >= minute or cj["spec"].get("suspend"):
                continue
            fire = [
                m
                for m in range(max(seen + 1, minute - 5), minute + 1)
                if cron_matches(cj["spec"].get("schedule", ""), datetime.fromtimestamp(m * 60, UTC))
            ]
            if fire:
                self._run(ctx, cj, fire[-1])

    def _run(self, ctx: Context, cj: Obj, minute: int) -> None:
        from opsconsole.sandbox import defaults

        ns, name = cj["metadata"]["namespace"], cj["metadata"]["name"]
        active = [j for j in ctx.store.owned(cj["metadata"]["uid"], JOBS) if not _finished(j)]
        policy = cj["spec"].get("concurrencyPolicy", "Allow")
        if active and policy == "Forbid":
            return
        if active and policy == "Replace":
            for j in active:
                delete(ctx.store, JOBS, ns, j["metadata"]["name"])
        job = job_from_cronjob(cj, f"{name}-{minute}")
        job["metadata"]["uid"] = str(uuid.uuid4())
        defaults.job_selector(job)
        defaults.apply("Job", job)
        if ctx.create(JOBS, job) is None:
            return
        ctx.recorder.record(
            cj, "SuccessfulCreate", f"Created job {name}-{minute}", component="cronjob-controller"
        )
        st = clone(cj.get("status") or {})
        st["lastScheduleTime"] = now_iso()
        ctx.write(CRONJOBS, {**cj, "status": st})

    def _sync_status(self, ctx: Context, cj: Obj) -> None:
        jobs = ctx.store.owned(cj["metadata"]["uid"], JOBS)
        st = clone(cj.get("status") or {})
        active = [
            {
                "kind": "Job",
                "namespace": j["metadata"]["namespace"],
                "name": j["metadata"]["name"],
                "uid": j["metadata"]["uid"],
                "apiVersion": "batch/v1",
                "resourceVersion": j["metadata"]["resourceVersion"],
            }
            for j in jobs
            if not _finished(j)
        ]
        if active:
            st["active"] = active
        else:
            st.pop("active", None)
        done = sorted(
            (j for j in jobs if _finished(j) == "Complete"),
            key=lambda j: j["metadata"]["creationTimestamp"],
        )
        if done:
            st["lastSuccessfulTime"] = done[-1]["status"].get("completionTime")
        if st != (cj.get("status") or {}):
            ctx.write(CRONJOBS, {**cj, "status": st})
        ns = cj["metadata"]["namespace"]
        for state, key in (
            ("Complete", "successfulJobsHistoryLimit"),
            ("Failed", "failedJobsHistoryLimit"),
        ):
            limit = int(cj["spec"].get(key, 3 if state == "Complete" else 1))
            finished = [
                j
                for j in jobs
                if _finished(j) == state
                and (controller_of(j) or {}).get("uid") == cj["metadata"]["uid"]
            ]
            finished.sort(key=lambda j: j["metadata"]["creationTimestamp"])
            for j in finished[: max(0, len(finished) - limit)]:
                if ctx.store.get(JOBS, ns, j["metadata"]["name"]) is not None:
                    delete(ctx.store, JOBS, ns, j["metadata"]["name"])
