"""batch/v1: Jobs and CronJobs (pkg/apis/batch/validation/validation.go)."""

from __future__ import annotations

import re
from typing import Any

from opsconsole.sandbox.validation import core
from opsconsole.sandbox.validation import meta as m
from opsconsole.sandbox.validation.field import (
    Errors,
    immutable,
    invalid,
    nonnegative,
    not_supported,
    required,
)

Obj = dict[str, Any]


def _job_spec(spec: Obj, path: str) -> Errors:
    errs: Errors = []
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit"):
        errs += nonnegative(f"{path}.{key}", spec.get(key))
    errs += nonnegative(f"{path}.ttlSecondsAfterFinished", spec.get("ttlSecondsAfterFinished"))
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        errs.append(not_supported(f"{path}.completionMode", mode, ["NonIndexed", "Indexed"]))
    if mode == "Indexed" and spec.get("completions") is None:
        errs.append(required(f"{path}.completions", "when completion mode is Indexed"))
    errs += core.pod_template(spec.get("template"), f"{path}.template")
    restart = ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy")
    if restart not in ("OnFailure", "Never"):
        errs.append(
            not_supported(f"{path}.template.spec.restartPolicy", restart, ["OnFailure", "Never"])
        )
    return errs


def job(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    spec = obj.get("spec") or {}
    errs += _job_spec(spec, "spec")
    sel = spec.get("selector")
    if sel is None:
        errs.append(required("spec.selector"))
    else:
        errs += m.label_selector(sel, "spec.selector")
        tlabels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if not m.selector_matches(sel, tlabels):
            errs.append(
                invalid(
                    "spec.template.metadata.labels",
                    tlabels,
                    "`selector` does not match template `labels`",
                )
            )
    if old is not None:
        old_spec = old.get("spec") or {}
        errs += immutable("spec.completions", spec.get("completions"), old_spec.get("completions"))
        errs += m.immutable_selector(sel, old_spec.get("selector"))
        # A suspended Job that never started may change its template's scheduling fields;
        # everything else about the template is fixed once the Job exists.
        errs += immutable("spec.template", spec.get("template"), old_spec.get("template"))
    return errs


# robfig/cron's standard parser: five fields or a descriptor.
_DESCRIPTORS = {
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
}
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
_NAMES = {
    3: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    4: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
}


def _atoi_error(text: str) -> str:
    return f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax'


def _cron_error(schedule: str) -> str | None:
    text = schedule.strip()
    if text.startswith("TZ=") or text.startswith("CRON_TZ="):
        return None
    if text.startswith("@"):
        if text in _DESCRIPTORS or text.startswith("@every "):
            return None
        return f"unrecognized descriptor: {text}"
    fields = text.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    for i, part in enumerate(fields):
        lo, hi = _RANGES[i]
        for item in part.split(","):
            rng, _, step = item.partition("/")
            if step and not step.isdigit():
                return _atoi_error(step)

            if rng in ("*", "?"):
                continue
            bounds = rng.split("-")
            values = []
            for b in bounds:
                names = _NAMES.get(i, [])
                if b.lower() in names:
                    values.append(names.index(b.lower()) + (1 if i == 3 else 0))
                elif re.fullmatch(r"[0-9]+", b):
                    values.append(int(b))
                else:
                    return (
                        f'failed to parse int from {b}: strconv.Atoi: parsing "{b}": invalid syntax'
                    )
            if values and values[0] < lo:
                return f"beginning of range ({values[0]}) below minimum ({lo}): {item}"
            if values and values[-1] > hi:
                return f"end of range ({values[-1]}) above maximum ({hi}): {item}"
    return None


def cron_job(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    name = obj["metadata"].get("name") or ""
    if len(name) > 52:
        errs.append(invalid("metadata.name", name, "must be no more than 52 characters"))
    spec = obj.get("spec") or {}
    schedule = spec.get("schedule")
    if not schedule:
        errs.append(required("spec.schedule"))
    else:
        problem = _cron_error(str(schedule))
        if problem:
            errs.append(invalid("spec.schedule", schedule, problem))
    errs += nonnegative("spec.startingDeadlineSeconds", spec.get("startingDeadlineSeconds"))
    policy = spec.get("concurrencyPolicy")
    if not policy:
        errs.append(required("spec.concurrencyPolicy"))
    elif policy not in ("Allow", "Forbid", "Replace"):
        errs.append(not_supported("spec.concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"]))
    template = spec.get("jobTemplate") or {}
    tspec = template.get("spec") or {}
    errs += m.template_meta(template.get("metadata"), "spec.jobTemplate.metadata")
    errs += _job_spec(tspec, "spec.jobTemplate.spec")
    if tspec.get("selector") is not None:
        errs.append(
            invalid(
                "spec.jobTemplate.spec.selector",
                tspec["selector"],
                "`selector` will be auto-generated",
            )
        )
    if tspec.get("manualSelector"):
        errs.append(not_supported("spec.jobTemplate.spec.manualSelector", True, ["nil", "false"]))
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        errs += nonnegative(f"spec.{key}", spec.get(key))
    return errs
