"""Namespace defaults (default ServiceAccount, CA ConfigMap) and the volume provisioner."""

from __future__ import annotations

from opsconsole.sandbox.controllers.base import PVCS, Context
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.store import clone


def reconcile_claim(ctx: Context, ns: str, name: str) -> None:
    """The volume provisioner: every claim is bound to a fresh volume of the size asked for."""
    pvc = ctx.store.get(PVCS, ns, name)
    if pvc is None or (pvc.get("status") or {}).get("phase") == "Bound":
        return
    spec = pvc.get("spec") or {}
    storage = (spec.get("resources") or {}).get("requests", {}).get("storage", "1Gi")
    new = clone(pvc)
    new["spec"]["volumeName"] = f"pvc-{pvc['metadata']['uid']}"
    new["status"] = {
        "phase": "Bound",
        "accessModes": spec.get("accessModes", []),
        "capacity": {"storage": storage},
    }
    if ctx.write(PVCS, new) is not None:
        ctx.recorder.record(
            pvc,
            "ProvisioningSucceeded",
            f"Successfully provisioned volume {new['spec']['volumeName']}",
            component="sandbox-provisioner",
        )


NAMESPACES = preferred("", "namespaces")
SERVICE_ACCOUNTS = preferred("", "serviceaccounts")
CONFIGMAPS = preferred("", "configmaps")


def reconcile_namespace(ctx: Context, ns: str, name: str) -> None:
    """What kube-controller-manager puts in every namespace: a default ServiceAccount and the
    cluster CA bundle ConfigMap."""
    if ctx.store.get(NAMESPACES, "", name) is None:
        return
    if ctx.store.get(SERVICE_ACCOUNTS, name, "default") is None:
        ctx.create(SERVICE_ACCOUNTS, {"metadata": {"name": "default", "namespace": name}})
    if ctx.store.get(CONFIGMAPS, name, "kube-root-ca.crt") is None:
        ctx.create(
            CONFIGMAPS,
            {
                "metadata": {
                    "name": "kube-root-ca.crt",
                    "namespace": name,
                    "annotations": {
                        "kubernetes.io/description": "Contains a CA bundle "
                        "that can be used to verify the kube-apiserver."
                    },
                },
                "data": {
                    "ca.crt": "-----BEGIN CERTIFICATE-----\nsandbox\n-----END CERTIFICATE-----\n"
                },
            },
        )
