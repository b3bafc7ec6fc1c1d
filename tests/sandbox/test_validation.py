"""Validation as the real API server does it: the 422 `Status` with its message and causes,
worded as pkg/apis/*/validation and apimachinery's field errors word them."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from kubernetes import client

from opsconsole.sandbox import seed
from opsconsole.sandbox.store import Store
from tests.helpers.cluster import deployment, error_body, job, kubectl, raw
from tests.helpers.sandbox import SEED_DIR

NS = "validation"
# What k8s/ holds that the sandbox serves no API for (VPA, Argo CD, cert-manager).
NOT_SERVED_KINDS = {"VerticalPodAutoscaler", "AppProject", "Application", "Issuer", "Certificate"}
LABEL_KEY_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


@pytest.fixture(scope="module")
def api(sandbox: Any) -> client.ApiClient:
    api_client = sandbox.api_client()
    client.CoreV1Api(api_client).create_namespace({"metadata": {"name": NS}})
    return api_client


@pytest.fixture
def apps(api):
    return client.AppsV1Api(api)


@pytest.fixture
def core(api):
    return client.CoreV1Api(api)


@pytest.fixture
def batch(api):
    return client.BatchV1Api(api)


def refused(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The 422 body of a refused write."""
    with pytest.raises(client.ApiException) as exc:
        call(*args, **kwargs)
    body = error_body(exc.value)
    assert (exc.value.status, body["kind"], body["reason"]) == (422, "Status", "Invalid"), body
    return body


def causes(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["field"], c["reason"], c["message"]) for c in body["details"]["causes"]]


def test_several_errors_come_back_as_one_status_with_a_cause_each(apps):
    bad = deployment("several", replicas=-1)
    bad["metadata"]["labels"] = {**bad["metadata"]["labels"], "bad key!": "x"}
    bad["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    ctr = bad["spec"]["template"]["spec"]["containers"][0]
    ctr["ports"] = [{"containerPort": 70000}]
    body = refused(apps.create_namespaced_deployment, NS, bad)
    assert body["details"]["name"] == "several"
    assert (body["details"]["group"], body["details"]["kind"]) == ("apps", "Deployment")
    port = "spec.template.spec.containers[0].ports[0].containerPort"
    assert causes(body) == [
        ("metadata.labels", "FieldValueInvalid", f'Invalid value: "bad key!": {LABEL_KEY_MSG}'),
        (
            "spec.replicas",
            "FieldValueInvalid",
            "Invalid value: -1: must be greater than or equal to 0",
        ),
        (
            "spec.template.metadata.labels",
            "FieldValueInvalid",
            'Invalid value: {"app":"other"}: `selector` does not match template `labels`',
        ),
        (port, "FieldValueInvalid", "Invalid value: 70000: must be between 1 and 65535, inclusive"),
    ]
    assert body["message"] == (
        'Deployment.apps "several" is invalid: ['
        + ", ".join(f"{field}: {message}" for field, _, message in causes(body))
        + "]"
    )


def test_one_error_is_the_message_without_brackets(apps):
    body = refused(apps.create_namespaced_deployment, NS, deployment("negative", replicas=-1))
    assert body["message"] == (
        'Deployment.apps "negative" is invalid: spec.replicas: Invalid value: -1: '
        "must be greater than or equal to 0"
    )


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        ("configmap", "Not_A_Name", f'metadata.name: Invalid value: "Not_A_Name": {SUBDOMAIN_MSG}'),
        (
            "service",
            "1-service",
            'metadata.name: Invalid value: "1-service": a DNS-1035 label must consist of lower '
            "case alphanumeric characters or '-', start with an alphabetic character, and end with "
            "an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation "
            "is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        ),
        (
            "statefulset",
            "db.primary",
            'metadata.name: Invalid value: "db.primary": must not contain dots',
        ),
        (
            "cronjob",
            "c" * 53,
            f'metadata.name: Invalid value: "{"c" * 53}": must be no more than 52 characters',
        ),
    ],
)
def test_names_follow_each_kinds_rule(api, kind, name, message):
    bodies: dict[str, tuple[str, dict[str, Any]]] = {
        "configmap": (f"/api/v1/namespaces/{NS}/configmaps", {"metadata": {"name": name}}),
        "service": (
            f"/api/v1/namespaces/{NS}/services",
            {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}},
        ),
        "statefulset": (
            f"/apis/apps/v1/namespaces/{NS}/statefulsets",
            {
                "metadata": {"name": name},
                "spec": {
                    "selector": {"matchLabels": {"a": "b"}},
                    "serviceName": "x",
                    "template": {
                        "metadata": {"labels": {"a": "b"}},
                        "spec": {"containers": [{"name": "c", "image": "i:1"}]},
                    },
                },
            },
        ),
        "cronjob": (
            f"/apis/batch/v1/namespaces/{NS}/cronjobs",
            {
                "metadata": {"name": name},
                "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": job("x")["spec"]}},
            },
        ),
    }
    path, body = bodies[kind]
    status, answer = raw(api.configuration.host + path, "POST", body)
    assert status == 422, answer
    assert (
        f"{answer['details']['causes'][0]['field']}: {answer['details']['causes'][0]['message']}"
        == message
    )


def test_label_values_and_the_annotation_total_are_limited(core):
    long_value = "v" * 64
    body = refused(
        core.create_namespaced_config_map,
        NS,
        {"metadata": {"name": "labelled", "labels": {"team": long_value}}},
    )
    assert causes(body)[0][:2] == ("metadata.labels", "FieldValueInvalid")
    assert causes(body)[0][2].startswith(
        f'Invalid value: "{long_value}": must be no more than 63 bytes'
    )
    body = refused(
        core.create_namespaced_config_map,
        NS,
        {"metadata": {"name": "annotated", "annotations": {"big": "x" * (256 * 1024)}}},
    )
    assert causes(body) == [
        ("metadata.annotations", "FieldValueTooLong", "Too long: may not be more than 262144 bytes")
    ]
    just_fits = {"big": "x" * (256 * 1024 - 3)}
    core.create_namespaced_config_map(
        NS, {"metadata": {"name": "annotated", "annotations": just_fits}}
    )


def test_containers_need_unique_names_an_image_and_requests_within_limits(apps):
    bad = deployment("containers")
    spec = bad["spec"]["template"]["spec"]
    spec["containers"][0]["image"] = ""
    spec["containers"][0]["resources"] = {"requests": {"cpu": "2"}, "limits": {"cpu": "1000m"}}
    spec["containers"].append({"name": "web", "image": "registry.local/proxy:1"})
    body = refused(apps.create_namespaced_deployment, NS, bad)
    c = "spec.template.spec.containers"
    assert causes(body) == [
        (f"{c}[0].image", "FieldValueRequired", "Required value"),
        (
            f"{c}[0].resources.requests",
            "FieldValueInvalid",
            'Invalid value: "2": must be less than or equal to cpu limit of 1',
        ),
        (f"{c}[1].name", "FieldValueDuplicate", 'Duplicate value: "web"'),
    ]


def test_a_quantity_that_does_not_parse_is_a_bad_request(apps):
    bad = deployment("quantity")
    bad["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"memory": "lots"}}
    with pytest.raises(client.ApiException) as exc:
        apps.create_namespaced_deployment(NS, bad)
    body = error_body(exc.value)
    assert (exc.value.status, body["reason"]) == (400, "BadRequest")
    assert body["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: quantities must match the '
        "regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


def test_rolling_update_settings_need_the_rolling_update_strategy(apps):
    apps.create_namespaced_deployment(NS, deployment("recreate"))
    # The stored object carries the defaulted rollingUpdate: switching type alone is refused.
    body = refused(
        apps.patch_namespaced_deployment,
        "recreate",
        NS,
        {"spec": {"strategy": {"type": "Recreate"}}},
    )
    assert body["message"] == (
        'Deployment.apps "recreate" is invalid: spec.strategy.rollingUpdate: Forbidden: '
        "may not be specified when strategy `type` is 'Recreate'"
    )
    done = apps.patch_namespaced_deployment(
        "recreate", NS, {"spec": {"strategy": {"type": "Recreate", "rollingUpdate": None}}}
    )
    assert done.spec.strategy.type == "Recreate"
    assert done.spec.strategy.rolling_update is None
    body = refused(
        apps.patch_namespaced_deployment,
        "recreate",
        NS,
        {
            "spec": {
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0},
                }
            }
        },
    )
    assert causes(body) == [
        (
            "spec.strategy.rollingUpdate.maxUnavailable",
            "FieldValueInvalid",
            "Invalid value: 0: may not be 0 when `maxSurge` is 0",
        )
    ]


def test_workload_selectors_are_immutable(apps, batch):
    apps.create_namespaced_deployment(NS, deployment("fixed"))
    moved = {
        "spec": {
            "selector": {"matchLabels": {"app": "moved"}},
            "template": {"metadata": {"labels": {"app": "moved"}}},
        }
    }
    body = refused(apps.patch_namespaced_deployment, "fixed", NS, moved)
    assert body["message"] == (
        'Deployment.apps "fixed" is invalid: spec.selector: Invalid value: '
        '{"matchLabels":{"app":"moved"}}: field is immutable'
    )
    sts = {
        "metadata": {"name": "fixed"},
        "spec": {
            "serviceName": "fixed",
            "selector": {"matchLabels": {"app": "fixed"}},
            "template": {
                "metadata": {"labels": {"app": "fixed"}},
                "spec": {"containers": [{"name": "db", "image": "registry.local/db:1"}]},
            },
        },
    }
    apps.create_namespaced_stateful_set(NS, sts)
    body = refused(apps.patch_namespaced_stateful_set, "fixed", NS, moved)
    assert causes(body) == [
        (
            "spec",
            "FieldValueForbidden",
            "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
            "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
            "'minReadySeconds' are forbidden",
        )
    ]
    # What stays mutable still changes.
    apps.patch_namespaced_stateful_set("fixed", NS, {"spec": {"replicas": 2}})
    batch.create_namespaced_job(NS, job("fixed-job"))
    body = refused(
        batch.patch_namespaced_job,
        "fixed-job",
        NS,
        {
            "spec": {
                "template": {
                    "spec": {"containers": [{"name": "run", "image": "registry.local/etl:3"}]}
                }
            }
        },
    )
    assert [(f, r) for f, r, _ in causes(body)] == [("spec.template", "FieldValueInvalid")]
    assert causes(body)[0][2].endswith(": field is immutable")


def test_a_pvc_spec_is_immutable_except_for_growing_its_request(core, sandbox):
    claim = {
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    core.create_namespaced_persistent_volume_claim(NS, claim)
    sandbox.wait_for(
        lambda: core.read_namespaced_persistent_volume_claim("data", NS).status.phase == "Bound"
    )
    body = refused(
        core.patch_namespaced_persistent_volume_claim,
        "data",
        NS,
        {"spec": {"accessModes": ["ReadWriteMany"]}},
    )
    assert body["message"] == (
        'PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after '
        "creation except resources.requests and volumeAttributesClassName for bound claims"
    )
    grown = core.patch_namespaced_persistent_volume_claim(
        "data", NS, {"spec": {"resources": {"requests": {"storage": "2Gi"}}}}
    )
    assert grown.spec.resources.requests["storage"] == "2Gi"


def test_a_service_cluster_ip_may_not_change(core):
    svc = core.create_namespaced_service(
        NS,
        {"metadata": {"name": "stable"}, "spec": {"selector": {"a": "b"}, "ports": [{"port": 80}]}},
    )
    body = refused(
        core.patch_namespaced_service, "stable", NS, {"spec": {"clusterIP": "10.96.0.77"}}
    )
    assert causes(body) == [
        (
            "spec.clusterIPs[0]",
            "FieldValueInvalid",
            'Invalid value: ["10.96.0.77"]: may not change once set',
        )
    ]
    assert core.read_namespaced_service("stable", NS).spec.cluster_ip == svc.spec.cluster_ip
    body = refused(
        core.create_namespaced_service,
        NS,
        {"metadata": {"name": "portless"}, "spec": {"ports": [{"port": 0}]}},
    )
    # targetPort was defaulted from port, so it is judged too.
    assert causes(body) == [
        (
            f"spec.ports[0].{key}",
            "FieldValueInvalid",
            "Invalid value: 0: must be between 1 and 65535, inclusive",
        )
        for key in ("port", "targetPort")
    ]


def test_batch_autoscaling_policy_and_ingress_rules(api, batch):
    always = job("always")
    always["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    body = refused(batch.create_namespaced_job, NS, always)
    assert causes(body) == [
        (
            "spec.template.spec.restartPolicy",
            "FieldValueNotSupported",
            'Unsupported value: "Always": supported values: "OnFailure", "Never"',
        )
    ]
    body = refused(
        batch.create_namespaced_cron_job,
        NS,
        {
            "metadata": {"name": "hourly"},
            "spec": {"schedule": "every hour", "jobTemplate": {"spec": job("x")["spec"]}},
        },
    )
    assert causes(body) == [
        (
            "spec.schedule",
            "FieldValueInvalid",
            'Invalid value: "every hour": expected exactly 5 fields, found 2: [every hour]',
        )
    ]
    hpa = {
        "metadata": {"name": "inverted"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"},
            "minReplicas": 5,
            "maxReplicas": 2,
        },
    }
    body = refused(
        client.AutoscalingV2Api(api).create_namespaced_horizontal_pod_autoscaler, NS, hpa
    )
    assert causes(body) == [
        (
            "spec.maxReplicas",
            "FieldValueInvalid",
            "Invalid value: 2: must be greater than or equal to `minReplicas`",
        )
    ]
    pdb = {
        "metadata": {"name": "both"},
        "spec": {"minAvailable": 1, "maxUnavailable": 1, "selector": {"matchLabels": {"a": "b"}}},
    }
    body = refused(client.PolicyV1Api(api).create_namespaced_pod_disruption_budget, NS, pdb)
    assert causes(body) == [
        (
            "spec.minAvailable",
            "FieldValueInvalid",
            "Invalid value: 1: minAvailable and maxUnavailable cannot be both set",
        )
    ]
    ingress = {
        "metadata": {"name": "untyped"},
        "spec": {
            "rules": [
                {
                    "host": "api.trading-system.local",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "backend": {"service": {"name": "api", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ]
        },
    }
    body = refused(client.NetworkingV1Api(api).create_namespaced_ingress, NS, ingress)
    assert causes(body) == [
        (
            "spec.rules[0].http.paths[0].pathType",
            "FieldValueRequired",
            "Required value: pathType must be specified",
        )
    ]


def test_dry_run_runs_the_same_validation_and_stores_nothing(apps):
    body = refused(
        apps.create_namespaced_deployment, NS, deployment("dry", replicas=-1), dry_run="All"
    )
    assert causes(body)[0][0] == "spec.replicas"
    preview = apps.create_namespaced_deployment(NS, deployment("dry"), dry_run="All")
    assert preview.spec.progress_deadline_seconds == 600
    with pytest.raises(client.ApiException) as exc:
        apps.read_namespaced_deployment("dry", NS)
    assert exc.value.status == 404
    apps.create_namespaced_deployment(NS, deployment("dry"))
    body = refused(
        apps.patch_namespaced_deployment, "dry", NS, {"spec": {"replicas": -3}}, dry_run="All"
    )
    assert causes(body)[0][2] == "Invalid value: -3: must be greater than or equal to 0"
    assert apps.read_namespaced_deployment("dry", NS).spec.replicas == 2


# -- through kubectl ------------------------------------------------------------------------------


def test_kubectl_apply_shows_the_servers_causes(sandbox, tmp_path):
    bad = deployment("kubectl-bad")
    bad["metadata"]["namespace"] = NS
    bad["spec"]["strategy"] = {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}
    bad["spec"]["template"]["spec"]["containers"].append(
        copy.deepcopy(bad["spec"]["template"]["spec"]["containers"][0])
    )
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump(bad))
    proc = kubectl(sandbox.kubeconfig, "apply", "-f", str(file), check=False)
    assert proc.returncode != 0
    assert proc.stderr.splitlines() == [
        'The Deployment "kubectl-bad" is invalid: ',
        '* spec.template.spec.containers[1].name: Duplicate value: "web"',
        "* spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is "
        "'Recreate'",
    ]


def test_kubectl_set_image_and_patch_meet_the_same_rules(sandbox, apps):
    apps.create_namespaced_deployment(NS, deployment("kubectl-edit"))
    proc = kubectl(
        sandbox.kubeconfig, "set", "image", "deployment/kubectl-edit", "web=", "-n", NS, check=False
    )
    assert proc.returncode != 0
    assert (
        'Deployment.apps "kubectl-edit" is invalid: spec.template.spec.containers[0].image: '
        "Required value" in proc.stderr
    )
    proc = kubectl(
        sandbox.kubeconfig,
        "patch",
        "deployment/kubectl-edit",
        "-n",
        NS,
        "-p",
        '{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}}}}}',
        check=False,
    )
    assert proc.returncode != 0
    assert proc.stderr.strip() == (
        'The Deployment "kubectl-edit" is invalid: spec.selector: Invalid value: '
        '{"matchLabels":{"app":"x"}}: field is immutable'
    )
    proc = kubectl(
        sandbox.kubeconfig,
        "patch",
        "deployment/kubectl-edit",
        "-n",
        NS,
        "--dry-run=server",
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"web","ports":[{"containerPort":0}]}]}}}}',
        check=False,
    )
    assert "spec.template.spec.containers[0].ports[0].containerPort: Required value" in proc.stderr
    kubectl(sandbox.kubeconfig, "rollout", "restart", "deployment/kubectl-edit", "-n", NS)
    kubectl(sandbox.kubeconfig, "scale", "deployment/kubectl-edit", "--replicas=0", "-n", NS)


def test_everything_the_seed_contains_passes_validation():
    """k8s/ applies whole: only the kinds the sandbox does not serve are skipped."""
    report = seed.seed(Store(), SEED_DIR)
    not_served = [label for label in report.skipped if label.split("/")[0] in NOT_SERVED_KINDS]
    assert report.skipped == not_served
    assert "StatefulSet/postgres" in report.created
    assert "Ingress/trading-api" in report.created


def test_kubectl_apply_of_k8s_again_is_accepted(sandbox):
    """Re-applying the seeded manifests through the API passes every rule (update path)."""
    served = []
    for path in sorted(SEED_DIR.glob("*.yaml")):
        kinds = {d.get("kind") for d in yaml.safe_load_all(path.read_text()) if d}
        if not kinds & NOT_SERVED_KINDS:
            served.append(path)
    assert len(served) >= 10
    args: list[str] = []
    for path in served:
        args += ["-f", str(path)]
    proc = kubectl(sandbox.kubeconfig, "apply", "--dry-run=server", *args, check=False)
    assert proc.returncode == 0, proc.stderr


def test_resource_names_env_and_mounts_are_judged(apps):
    bad = deployment("container-details")
    ctr = bad["spec"]["template"]["spec"]["containers"][0]
    ctr["resources"] = {"limits": {"cpus": "1"}, "requests": {"nvidia.com/gpu": "1"}}
    ctr["env"] = [
        {"name": "A", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}
    ]
    ctr["volumeMounts"] = [{"name": "missing", "mountPath": "/data"}]
    body = refused(apps.create_namespaced_deployment, NS, bad)
    c = "spec.template.spec.containers[0]"
    assert causes(body) == [
        (
            f"{c}.env[0].valueFrom",
            "FieldValueInvalid",
            'Invalid value: "": may not be specified when `value` is not empty',
        ),
        (f"{c}.volumeMounts[0].name", "FieldValueNotFound", 'Not found: "missing"'),
        (
            f"{c}.resources.limits[cpus]",
            "FieldValueInvalid",
            'Invalid value: "cpus": must be a standard resource for containers',
        ),
        (
            f"{c}.resources.limits",
            "FieldValueRequired",
            "Required value: Limit must be set for non overcommitable resources",
        ),
    ]


def test_a_bound_claim_may_not_shrink(core, sandbox):
    claim = {
        "metadata": {"name": "shrinking"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}},
    }
    core.create_namespaced_persistent_volume_claim(NS, claim)
    sandbox.wait_for(
        lambda: (
            core.read_namespaced_persistent_volume_claim("shrinking", NS).status.phase == "Bound"
        )
    )
    proc = kubectl(
        sandbox.kubeconfig,
        "patch",
        "pvc/shrinking",
        "-n",
        NS,
        "-p",
        '{"spec":{"resources":{"requests":{"storage":"1Gi"}}}}',
        check=False,
    )
    assert proc.stderr.strip() == (
        'The PersistentVolumeClaim "shrinking" is invalid: spec.resources.requests.storage: '
        "Forbidden: field can not be less than status.capacity"
    )


def test_kubectl_create_meets_the_name_rules(sandbox):
    """kubectl's typed create (sent as protobuf) is judged like any other write."""
    proc = kubectl(
        sandbox.kubeconfig, "create", "deployment", "Bad_Name", "--image=x:1", "-n", NS, check=False
    )
    assert proc.returncode != 0
    assert proc.stderr.strip() == (
        'error: failed to create deployment: Deployment.apps "Bad_Name" is invalid: '
        f'metadata.name: Invalid value: "Bad_Name": {SUBDOMAIN_MSG}'
    )


def test_generate_name_is_judged_as_a_prefix(core):
    made = core.create_namespaced_config_map(NS, {"metadata": {"generateName": "run-"}})
    assert made.metadata.name.startswith("run-")
    body = refused(core.create_namespaced_config_map, NS, {"metadata": {"generateName": "Run-"}})
    assert causes(body) == [
        ("metadata.generateName", "FieldValueInvalid", f'Invalid value: "Run-": {SUBDOMAIN_MSG}')
    ]
    body = refused(core.create_namespaced_config_map, NS, {"metadata": {}})
    assert causes(body) == [
        ("metadata.name", "FieldValueRequired", "Required value: name or generateName is required")
    ]


def test_tolerations_are_judged(apps):
    bad = deployment("tolerating")
    bad["spec"]["template"]["spec"]["tolerations"] = [
        {"key": "nvidia.com/gpu", "operator": "Exists", "value": "true", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 30},
    ]
    body = refused(apps.create_namespaced_deployment, NS, bad)
    t = "spec.template.spec.tolerations"
    assert causes(body) == [
        (
            f"{t}[0].operator",
            "FieldValueInvalid",
            'Invalid value: {"key":"nvidia.com/gpu","operator":"Exists","value":"true",'
            '"effect":"NoSchedule"}: value must be empty when `operator` is \'Exists\'',
        ),
        (
            f"{t}[1].effect",
            "FieldValueInvalid",
            "Invalid value: \"\": effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
    ]


def test_daemonset_rolling_updates_surge_or_drain_but_not_both(apps):
    labels = {"app": "agent"}
    ds: dict[str, Any] = {
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": labels},
            "updateStrategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "10%"},
            },
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "agent", "image": "registry.local/agent:1"}]},
            },
        },
    }
    body = refused(apps.create_namespaced_daemon_set, NS, ds)
    assert causes(body) == [
        (
            "spec.updateStrategy.rollingUpdate.maxSurge",
            "FieldValueInvalid",
            'Invalid value: "10%": may not be set when maxUnavailable is non-zero',
        )
    ]
    ds["spec"]["updateStrategy"]["rollingUpdate"]["maxSurge"] = 0
    made = apps.create_namespaced_daemon_set(NS, ds)
    assert made.spec.revision_history_limit == 10


def test_a_pods_spec_changes_only_where_the_server_allows(core):
    core.create_namespaced_pod(
        NS,
        {
            "metadata": {"name": "fixed-pod"},
            "spec": {"containers": [{"name": "app", "image": "registry.local/app:1"}]},
        },
    )
    body = refused(core.patch_namespaced_pod, "fixed-pod", NS, {"spec": {"restartPolicy": "Never"}})
    assert [(f, r) for f, r, _ in causes(body)] == [("spec", "FieldValueForbidden")]
    assert causes(body)[0][2].startswith(
        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    )
    patched = core.patch_namespaced_pod(
        "fixed-pod",
        NS,
        {"spec": {"containers": [{"name": "app", "image": "registry.local/app:2"}]}},
    )
    assert patched.spec.containers[0].image == "registry.local/app:2"


def test_long_names_and_label_prefixes_are_limited(sandbox, core):
    name = "n" * 64
    proc = kubectl(sandbox.kubeconfig, "create", "namespace", name, check=False)
    # The defaulted kubernetes.io/metadata.name label carries the name, so it is too long too.
    assert proc.stderr.splitlines()[1:] == [
        f'* metadata.name: Invalid value: "{name}": must be no more than 63 characters',
        f'* metadata.labels: Invalid value: "{name}": must be no more than 63 bytes',
    ]
    key = "p" * 254 + "/team"
    body = refused(
        core.create_namespaced_config_map,
        NS,
        {"metadata": {"name": "prefixed", "labels": {key: "a"}}},
    )
    assert causes(body) == [
        (
            "metadata.labels",
            "FieldValueInvalid",
            f'Invalid value: "{key}": prefix part must be no more than 253 bytes',
        )
    ]
