"""HorizontalPodAutoscaler: plausible metrics, replicas kept within min/max.

The simulated utilisation wobbles around the target (inside the 10 % tolerance), so the HPA
does not fight tests that scale by hand, but it does enforce minReplicas/maxReplicas.
The annotation `sandbox.opsconsole.io/load-percent` on the HPA sets the utilisation, to
drive a scale-up or scale-down on purpose.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from opsconsole.sandbox.apply import record_update
from opsconsole.sandbox.controllers.base import DEPLOYMENTS, HPAS, STATEFULSETS, Context
from opsconsole.sandbox.store import clone, now_iso

Obj = dict[str, Any]
TARGETS = {"Deployment": DEPLOYMENTS, "StatefulSet": STATEFULSETS}


def _utilisation(hpa: Obj, metric: str, target: int) -> int:
    forced = (hpa["metadata"].get("annotations") or {}).get("sandbox.opsconsole.io/load-percent")
    if forced:
        return int(forced)
    seed = hashlib.sha256(f"{hpa['metadata']['uid']}{metric}".encode()).digest()[0]
    wobble = math.sin(time.time() / 30 + seed) * 0.08
    return max(1, round(target * (1 + wobble)))


def sync_hpas(ctx: Context) -> None:
    for hpa in list(ctx.store.objects(HPAS)):
        spec = hpa["spec"]
        ref = spec.get("scaleTargetRef") or {}
        rt = TARGETS.get(ref.get("kind", ""))
        ns = hpa["metadata"]["namespace"]
        target = ctx.store.get(rt, ns, ref.get("name", "")) if rt else None
        st = clone(hpa.get("status") or {})
        if target is None or rt is None:
            st["conditions"] = [
                {
                    "type": "AbleToScale",
                    "status": "False",
                    "reason": "FailedGetScale",
                    "lastTransitionTime": now_iso(),
                    "message": f"the HPA controller was unable to get the target's "
                    f"current scale: {ref.get('kind')} "
                    f'"{ref.get("name")}" not found',
                }
            ]
            if st != hpa.get("status"):
                ctx.write(HPAS, {**hpa, "status": st})
            continue
        current = int(target["spec"].get("replicas", 1))
        lo, hi = int(spec.get("minReplicas", 1)), int(spec.get("maxReplicas", current))
        metrics, ratios = [], []
        for m in spec.get("metrics") or []:
            if m.get("type") != "Resource":
                continue
            res = m["resource"]
            want = int(res.get("target", {}).get("averageUtilization") or 80)
            have = _utilisation(hpa, res["name"], want)
            ratios.append(have / want)
            metrics.append(
                {
                    "type": "Resource",
                    "resource": {
                        "name": res["name"],
                        "current": {
                            "averageUtilization": have,
                            "averageValue": f"{have * 10}m"
                            if res["name"] == "cpu"
                            else f"{have * 4}Mi",
                        },
                    },
                }
            )
        desired = current
        if ratios and abs(max(ratios) - 1) > 0.1:
            desired = math.ceil(current * max(ratios))
        desired = min(hi, max(lo, desired))
        if desired != current:
            new_target = clone(target)
            new_target["spec"]["replicas"] = desired
            # Through the scale subresource, as the real controller writes it: an applier
            # that sets replicas then conflicts with "kube-controller-manager".
            record_update(target, new_target, "kube-controller-manager", rt.api_version, "scale")
            ctx.write(rt, new_target)
            st["lastScaleTime"] = now_iso()
            ctx.recorder.record(
                hpa,
                "SuccessfulRescale",
                f"New size: {desired}; reason: cpu resource utilization "
                "(percentage of request) above target"
                if desired > current
                else f"New size: {desired}; reason: All metrics below target",
                component="horizontal-pod-autoscaler",
            )
        ready = int((target.get("status") or {}).get("readyReplicas", 0))
        st.update(
            currentReplicas=ready or current,
            desiredReplicas=desired,
            currentMetrics=metrics,
            observedGeneration=hpa["metadata"].get("generation", 1),
        )
        st["conditions"] = [
            {
                "type": "AbleToScale",
                "status": "True",
                "reason": "ReadyForNewScale",
                "message": "recommended size matches current size",
            },
            {
                "type": "ScalingActive",
                "status": "True",
                "reason": "ValidMetricFound",
                "message": "the HPA was able to successfully calculate a replica count",
            },
            {
                "type": "ScalingLimited",
                "status": "True" if desired in (lo, hi) else "False",
                "reason": "TooFewReplicas"
                if desired == lo
                else "TooManyReplicas"
                if desired == hi
                else "DesiredWithinRange",
                "message": "the desired replica count is within the acceptable range",
            },
        ]
        old = hpa.get("status") or {}
        for c in st["conditions"]:
            prev = next((o for o in old.get("conditions") or [] if o["type"] == c["type"]), None)
            c["lastTransitionTime"] = (
                prev["lastTransitionTime"] if prev and prev["status"] == c["status"] else now_iso()
            )
        if st != old:
            ctx.write(HPAS, {**hpa, "status": st})
