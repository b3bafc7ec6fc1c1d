"""CustomResourceDefinitions: the bundled ones (cert-manager, VPA, Argo CD) and one a test
defines, served for discovery, CRUD, list/watch and validated against their schemas."""

from __future__ import annotations

import json
import threading

import pytest
import yaml
from kubernetes import client, watch

from tests.helpers.cluster import error_body, kubectl

NS = "crd-own"
GROUP = "example.sandbox.io"
WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"widgets.{GROUP}"},
    "spec": {
        "group": GROUP,
        "names": {
            "kind": "Widget",
            "listKind": "WidgetList",
            "plural": "widgets",
            "singular": "widget",
            "shortNames": ["wdg"],
        },
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["size"],
                                "properties": {
                                    "size": {"type": "integer", "minimum": 1},
                                    "color": {"type": "string", "enum": ["red", "blue"]},
                                    "tags": {"type": "array", "items": {"type": "string"}},
                                    "extra": {
                                        "type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True,
                                    },
                                },
                            },
                            "status": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            },
                        },
                    }
                },
            }
        ],
    },
}


def widget(name: str, **spec: object) -> dict[str, object]:
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"size": 1, **spec},
    }


@pytest.fixture(scope="module")
def widgets(sandbox):
    api = sandbox.api_client()
    client.CoreV1Api(api).create_namespace({"metadata": {"name": NS}})
    client.ApiextensionsV1Api(api).create_custom_resource_definition(WIDGET_CRD)
    return client.CustomObjectsApi(api)


def create(widgets, body):
    return widgets.create_namespaced_custom_object(GROUP, "v1", NS, "widgets", body)


def test_the_bundled_crds_are_established_and_the_seed_applied_their_objects(sandbox):
    ext = client.ApiextensionsV1Api(sandbox.api_client())
    names = {c.metadata.name for c in ext.list_custom_resource_definition().items}
    assert names >= {
        "certificates.cert-manager.io",
        "issuers.cert-manager.io",
        "clusterissuers.cert-manager.io",
        "verticalpodautoscalers.autoscaling.k8s.io",
        "applications.argoproj.io",
        "appprojects.argoproj.io",
    }
    out = kubectl(
        sandbox.kubeconfig,
        "wait",
        "--for=condition=established",
        "crd/certificates.cert-manager.io",
        "--timeout=10s",
    ).stdout
    assert "condition met" in out
    custom = client.CustomObjectsApi(sandbox.api_client())
    vpa = custom.get_namespaced_custom_object(
        "autoscaling.k8s.io", "v1", "trading-system", "verticalpodautoscalers", "trading-ml-service"
    )
    assert vpa["spec"]["targetRef"]["name"] == "trading-ml-service"
    apps = custom.list_namespaced_custom_object("argoproj.io", "v1alpha1", "argocd", "applications")
    assert {a["metadata"]["name"] for a in apps["items"]} == {
        "trading-system",
        "trading-system-staging",
    }
    out = kubectl(sandbox.kubeconfig, "get", "certificates,issuers", "-n", "trading-system").stdout
    assert "certificate.cert-manager.io/opsconsole-tls" in out
    assert "issuer.cert-manager.io/trading-system-ca" in out


def test_a_new_crd_is_discovered_and_served(sandbox, widgets):
    groups = client.ApisApi(sandbox.api_client()).get_api_versions()
    assert GROUP in {g.name for g in groups.groups}
    resources = client.CustomObjectsApi(sandbox.api_client()).get_api_resources(GROUP, "v1")
    entry = next(r for r in resources.resources if r.name == "widgets")
    assert (entry.kind, entry.namespaced, entry.short_names) == ("Widget", True, ["wdg"])
    assert "widgets/status" in {r.name for r in resources.resources}
    created = create(widgets, widget("one", color="red", tags=["a"]))
    assert created["metadata"]["generation"] == 1
    assert created["metadata"]["uid"]
    got = widgets.get_namespaced_custom_object(GROUP, "v1", NS, "widgets", "one")
    assert got["spec"] == {"size": 1, "color": "red", "tags": ["a"]}
    patched = widgets.patch_namespaced_custom_object(
        GROUP, "v1", NS, "widgets", "one", {"spec": {"size": 3}}
    )
    assert (patched["spec"]["size"], patched["metadata"]["generation"]) == (3, 2)
    listed = widgets.list_namespaced_custom_object(GROUP, "v1", NS, "widgets")
    assert listed["kind"] == "WidgetList"
    assert [w["metadata"]["name"] for w in listed["items"]] == ["one"]
    out = kubectl(sandbox.kubeconfig, "-n", NS, "get", "wdg", "-o", "name").stdout
    assert out.split() == [f"widget.{GROUP}/one"]


def test_custom_objects_can_be_watched(sandbox, widgets):
    rv = widgets.list_namespaced_custom_object(GROUP, "v1", NS, "widgets")["metadata"][
        "resourceVersion"
    ]
    seen: list[tuple[str, str]] = []

    def run() -> None:
        w = watch.Watch()
        for ev in w.stream(
            widgets.list_namespaced_custom_object,
            GROUP,
            "v1",
            NS,
            "widgets",
            resource_version=rv,
            timeout_seconds=5,
        ):
            seen.append((ev["type"], ev["object"]["metadata"]["name"]))
            if ev["type"] == "DELETED":
                w.stop()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    create(widgets, widget("watched"))
    widgets.delete_namespaced_custom_object(GROUP, "v1", NS, "widgets", "watched")
    t.join(timeout=10)
    assert seen == [("ADDED", "watched"), ("DELETED", "watched")]


def test_custom_objects_are_validated_against_the_schema(widgets):
    with pytest.raises(client.ApiException) as err:
        create(widgets, {**widget("bad"), "spec": {"size": "big", "color": "green"}})
    assert err.value.status == 422
    body = error_body(err.value)
    assert (body["reason"], body["details"]["kind"]) == ("Invalid", "Widget")
    causes = {c["field"]: c for c in body["details"]["causes"]}
    assert causes["spec.color"] == {
        "reason": "FieldValueNotSupported",
        "message": 'Unsupported value: "green": supported values: "red", "blue"',
        "field": "spec.color",
    }
    assert causes["spec.size"]["message"] == (
        'Invalid value: "string": spec.size in body must be of type integer: "string"'
    )
    with pytest.raises(client.ApiException) as err:
        create(widgets, {**widget("bad"), "spec": {"size": 0}})
    assert error_body(err.value)["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: 0: spec.size in body should be greater than or equal to 1",
            "field": "spec.size",
        }
    ]
    with pytest.raises(client.ApiException) as err:
        create(widgets, {**widget("bad"), "spec": {"color": "red"}})
    assert error_body(err.value)["message"] == (
        f'Widget.{GROUP} "bad" is invalid: spec.size: Required value'
    )


def test_unknown_fields_are_pruned_unless_preserved(widgets):
    body = widget("pruned", extra={"anything": {"goes": 1}})
    body["spec"]["typo"] = "dropped"  # type: ignore[index]
    body["surplus"] = True
    created = create(widgets, body)
    assert created["spec"] == {"size": 1, "extra": {"anything": {"goes": 1}}}
    assert "surplus" not in created
    # fieldValidation=Strict (kubectl's default) refuses them instead.
    with pytest.raises(client.ApiException) as err:
        widgets.create_namespaced_custom_object(
            GROUP,
            "v1",
            NS,
            "widgets",
            {**body, "metadata": {"name": "strict"}},
            field_validation="Strict",
        )
    assert (err.value.status, error_body(err.value)["message"]) == (
        400,
        'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown '
        'field "spec.typo", unknown field "surplus"',
    )


def test_kubectl_refuses_unknown_fields_of_custom_resources(sandbox, widgets, tmp_path):
    body = widget("typo")
    body["spec"]["colour"] = "red"  # type: ignore[index]
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(body))
    proc = kubectl(sandbox.kubeconfig, "-n", NS, "apply", "-f", str(path), check=False)
    assert proc.returncode != 0
    assert (
        'Error from server (BadRequest): error when creating "' + str(path) + '": Widget in '
        'version "v1" cannot be handled as a Widget: strict decoding error: unknown field '
        '"spec.colour"'
    ) in proc.stderr
    out = kubectl(sandbox.kubeconfig, "-n", NS, "apply", "--validate=false", "-f", str(path)).stdout
    assert "created" in out


def test_kubectl_applies_custom_resources(sandbox, widgets, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump({**widget("applied", size=2), "metadata": {"name": "applied"}}))
    out = kubectl(sandbox.kubeconfig, "-n", NS, "apply", "-f", str(path)).stdout
    assert out.strip() == f"widget.{GROUP}/applied created"
    path.write_text(yaml.safe_dump(widget("applied", size=5)))
    out = kubectl(sandbox.kubeconfig, "-n", NS, "apply", "-f", str(path)).stdout
    assert out.strip() == f"widget.{GROUP}/applied configured"
    got = widgets.get_namespaced_custom_object(GROUP, "v1", NS, "widgets", "applied")
    assert got["spec"]["size"] == 5
    path.write_text(yaml.safe_dump(widget("applied", size=-1)))
    proc = kubectl(sandbox.kubeconfig, "-n", NS, "apply", "-f", str(path), check=False)
    assert proc.returncode != 0
    assert (
        "spec.size: Invalid value: -1: spec.size in body should be greater than or equal to 1"
        in (proc.stderr)
    )


def test_a_bad_certificate_is_refused_by_kubectl(sandbox, tmp_path):
    cert = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "bad-cert", "namespace": "trading-system"},
        "spec": {
            "secretName": "x",
            "dnsNames": ["a.example.com"],
            "duration": "90 days",
            "issuerRef": {"name": "trading-system-ca", "kind": "Issuer"},
        },
    }
    path = tmp_path / "cert.yaml"
    path.write_text(yaml.safe_dump(cert))
    proc = kubectl(sandbox.kubeconfig, "apply", "-f", str(path), check=False)
    assert proc.returncode != 0
    assert (
        'The Certificate "bad-cert" is invalid: spec.duration: Invalid value: '
        "\"90 days\": spec.duration in body should match '^([0-9]+(h|m|s))+$'"
    ) in proc.stderr


def test_a_crd_must_be_named_after_its_plural_and_group(sandbox):
    ext = client.ApiextensionsV1Api(sandbox.api_client())
    bad = json.loads(json.dumps(WIDGET_CRD))
    bad["metadata"]["name"] = "gadgets.example.sandbox.io"
    with pytest.raises(client.ApiException) as err:
        ext.create_custom_resource_definition(bad)
    assert error_body(err.value)["message"] == (
        'CustomResourceDefinition.apiextensions.k8s.io "gadgets.example.sandbox.io" is invalid: '
        'metadata.name: Invalid value: "gadgets.example.sandbox.io": must be '
        'spec.names.plural+"."+spec.group'
    )


def test_deleting_the_crd_removes_its_kind_and_objects(sandbox):
    api = sandbox.api_client()
    ext = client.ApiextensionsV1Api(api)
    gadget = json.loads(json.dumps(WIDGET_CRD))
    gadget["metadata"]["name"] = f"gadgets.{GROUP}"
    gadget["spec"]["names"] = {"kind": "Gadget", "plural": "gadgets", "singular": "gadget"}
    ext.create_custom_resource_definition(gadget)
    custom = client.CustomObjectsApi(api)
    custom.create_namespaced_custom_object(
        GROUP, "v1", "default", "gadgets", {**widget("g"), "kind": "Gadget"}
    )
    ext.delete_custom_resource_definition(f"gadgets.{GROUP}")
    with pytest.raises(client.ApiException) as err:
        custom.list_namespaced_custom_object(GROUP, "v1", "default", "gadgets")
    assert err.value.status == 404
    # Created again, it starts empty.
    ext.create_custom_resource_definition(gadget)
    assert custom.list_namespaced_custom_object(GROUP, "v1", "default", "gadgets")["items"] == []
    ext.delete_custom_resource_definition(f"gadgets.{GROUP}")
