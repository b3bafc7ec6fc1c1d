"""Seeding: apply the manifests of k8s/ (multi-document YAML) to the store."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from opsconsole.sandbox import crds, defaults, errors, schema, validation
from opsconsole.sandbox.resources import by_kind, preferred
from opsconsole.sandbox.store import Store

Obj = dict[str, Any]
DEFAULT_NAMESPACE = "trading-system"
log = logging.getLogger("opsconsole.sandbox")
NAMESPACES = preferred("", "namespaces")


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def ensure_namespace(store: Store, name: str) -> None:
    if store.get(NAMESPACES, "", name) is None:
        ns: Obj = {"metadata": {"name": name}}
        defaults.apply("Namespace", ns)
        store.create(NAMESPACES, ns)


def documents(directory: Path) -> list[tuple[str, Obj]]:
    docs: list[tuple[str, Obj]] = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        try:
            loaded = list(yaml.safe_load_all(path.read_text()))
        except yaml.YAMLError as exc:
            log.warning("sandbox seed: %s is not valid YAML: %s", path.name, exc)
            continue
        for doc in loaded:
            if isinstance(doc, dict) and doc.get("kind") == "List":
                docs += [(path.name, d) for d in doc.get("items") or [] if isinstance(d, dict)]
            elif isinstance(doc, dict):
                docs.append((path.name, doc))
    return docs


def apply_object(store: Store, doc: Obj, report: SeedReport, source: str = "") -> None:
    kind, api_version = str(doc.get("kind", "")), str(doc.get("apiVersion", ""))
    name = str((doc.get("metadata") or {}).get("name", "?"))
    rt = by_kind(api_version, kind)
    label = f"{kind}/{name}"
    if rt is None:
        log.info(
            "sandbox seed: skipping %s %s from %s (kind not served)", api_version, label, source
        )
        report.skipped.append(label)
        return
    meta = doc.setdefault("metadata", {})
    if rt.namespaced:
        meta.setdefault("namespace", DEFAULT_NAMESPACE)
        ensure_namespace(store, meta["namespace"])
    if rt.kind == "Job":
        import uuid

        meta["uid"] = str(uuid.uuid4())
        defaults.job_selector(doc)
    defaults.apply(rt.kind, doc)
    try:
        schema.validate(rt, doc)
        validation.check(rt, doc)
        crds.validate(rt, doc)
        if rt.group == "events.k8s.io":
            return
        if store.get(rt, meta.get("namespace", ""), name) is not None:
            report.skipped.append(label)
            return
        store.create(rt, doc)
        report.created.append(label)
    except errors.ApiError as exc:
        log.warning("sandbox seed: %s from %s refused: %s", label, source, exc.message)
        report.skipped.append(label)


def seed(store: Store, directory: Path) -> SeedReport:
    report = SeedReport()
    if not directory.is_dir():
        log.warning("sandbox seed: %s is not a directory; nothing applied", directory)
        return report
    docs = documents(directory)
    # Namespaces first, like `kubectl apply -f` of a well-ordered directory.
    docs.sort(key=lambda d: d[1].get("kind") != "Namespace")
    for source, doc in docs:
        apply_object(store, doc, report, source)
    return report
