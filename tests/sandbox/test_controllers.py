"""Controllers: what a real cluster does after a write, observed through the official client."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.helpers.cluster import deployment, job

NS = "controllers"


@pytest.fixture(scope="module")
def api(sandbox):
    core = client.CoreV1Api(sandbox.api_client())
    core.create_namespace({"metadata": {"name": NS}})
    return sandbox.api_client()


def cond(obj, type_):
    return next((c for c in obj.status.conditions or [] if c.type == type_), None)


def rollout_done(apps, name, replicas):
    def check():
        d = apps.read_namespaced_deployment(name, NS)
        progressing = cond(d, "Progressing")
        return (
            d.status.observed_generation == d.metadata.generation
            and d.status.updated_replicas == replicas
            and d.status.available_replicas == replicas
            and (d.status.replicas or 0) == replicas
            and progressing is not None
            and progressing.reason == "NewReplicaSetAvailable"
            and d
        )

    return check


def test_a_deployment_rolls_out_to_ready_pods(sandbox, api):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.create_namespaced_deployment(NS, deployment("roll", replicas=3))
    d = sandbox.wait_for(rollout_done(apps, "roll", 3))
    assert cond(d, "Available").status == "True"
    assert d.metadata.annotations["deployment.kubernetes.io/revision"] == "1"

    rs = apps.list_namespaced_replica_set(NS, label_selector="app=roll").items
    assert len(rs) == 1
    assert rs[0].metadata.annotations["deployment.kubernetes.io/revision"] == "1"
    assert rs[0].metadata.owner_references[0].uid == d.metadata.uid
    phash = rs[0].metadata.labels["pod-template-hash"]

    pods = core.list_namespaced_pod(NS, label_selector=f"app=roll,pod-template-hash={phash}")
    assert len(pods.items) == 3
    for pod in pods.items:
        assert pod.status.phase == "Running"
        assert pod.spec.node_name.startswith("sandbox-cpu-")
        assert cond(pod, "Ready").status == "True"
        assert pod.status.container_statuses[0].ready is True
        assert pod.status.pod_ip


def test_an_image_change_makes_a_new_revision_and_retires_the_old(sandbox, api):
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment(NS, deployment("rev", replicas=2, revisionHistoryLimit=1))
    sandbox.wait_for(rollout_done(apps, "rev", 2))
    for tag in ("2.0", "3.0"):
        apps.patch_namespaced_deployment(
            "rev",
            NS,
            {
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [{"name": "web", "image": f"registry.local/web:{tag}"}]
                        }
                    }
                }
            },
        )
        sandbox.wait_for(rollout_done(apps, "rev", 2))
    d = apps.read_namespaced_deployment("rev", NS)
    assert d.metadata.annotations["deployment.kubernetes.io/revision"] == "3"
    rs = {
        r.metadata.annotations["deployment.kubernetes.io/revision"]: r
        for r in apps.list_namespaced_replica_set(NS, label_selector="app=rev").items
    }
    assert set(rs) == {"2", "3"}  # revisionHistoryLimit=1 keeps one old ReplicaSet
    assert rs["2"].spec.replicas == 0
    assert rs["3"].spec.template.spec.containers[0].image == "registry.local/web:3.0"
    events = (
        client.CoreV1Api(api)
        .list_namespaced_event(
            NS, field_selector="involvedObject.name=rev,involvedObject.kind=Deployment"
        )
        .items
    )
    assert any(e.reason == "ScalingReplicaSet" and "Scaled down" in e.message for e in events)


def test_an_image_that_never_pulls_exceeds_the_progress_deadline(sandbox, api):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.create_namespaced_deployment(NS, deployment("stuck", replicas=1))
    sandbox.wait_for(rollout_done(apps, "stuck", 1))
    # 60 cluster seconds are one real second in the sandbox (see clock.py).
    apps.patch_namespaced_deployment(
        "stuck",
        NS,
        {
            "spec": {
                "progressDeadlineSeconds": 60,
                "template": {
                    "spec": {
                        "containers": [{"name": "web", "image": "registry.local/web:never-pulls"}]
                    }
                },
            }
        },
    )

    def exceeded():
        c = cond(apps.read_namespaced_deployment("stuck", NS), "Progressing")
        return c.status == "False" and c.reason == "ProgressDeadlineExceeded" and c

    c = sandbox.wait_for(exceeded, timeout=20)
    assert "has timed out progressing" in c.message
    d = apps.read_namespaced_deployment("stuck", NS)
    assert d.status.available_replicas == 1  # the old pod keeps serving

    def pulling_fails():
        reasons = [
            p.status.container_statuses[0].state.waiting.reason
            for p in core.list_namespaced_pod(NS, label_selector="app=stuck").items
            if p.status.container_statuses and p.status.container_statuses[0].state.waiting
        ]
        return reasons and reasons[0] in ("ErrImagePull", "ImagePullBackOff")

    sandbox.wait_for(pulling_fails)


def test_deleting_a_deployment_collects_its_replicasets_and_pods(sandbox, api):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.create_namespaced_deployment(NS, deployment("gone", replicas=2))
    sandbox.wait_for(rollout_done(apps, "gone", 2))
    apps.delete_namespaced_deployment("gone", NS, propagation_policy="Background")
    assert not apps.list_namespaced_replica_set(NS, label_selector="app=gone").items
    # Pods are Terminating for their grace period (30 s, half a second in the sandbox).
    pods = core.list_namespaced_pod(NS, label_selector="app=gone").items
    assert all(p.metadata.deletion_timestamp for p in pods)
    sandbox.wait_for(lambda: not core.list_namespaced_pod(NS, label_selector="app=gone").items)
    events = core.list_namespaced_event(NS, field_selector="reason=Killing").items
    assert {e.involved_object.name for e in events} >= {p.metadata.name for p in pods}


def test_orphan_propagation_leaves_the_replicaset(sandbox, api):
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment(NS, deployment("orphan", replicas=1))
    sandbox.wait_for(rollout_done(apps, "orphan", 1))
    apps.delete_namespaced_deployment("orphan", NS, propagation_policy="Orphan")
    rs = apps.list_namespaced_replica_set(NS, label_selector="app=orphan").items
    assert len(rs) == 1
    assert not rs[0].metadata.owner_references


def test_a_statefulset_creates_ordinal_pods_with_claims(sandbox, api):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    body = deployment("db", replicas=2)
    body["kind"] = "StatefulSet"
    body["spec"]["serviceName"] = "db"
    body["spec"]["volumeClaimTemplates"] = [
        {
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        }
    ]
    apps.create_namespaced_stateful_set(NS, body)
    sts = sandbox.wait_for(
        lambda: (
            (s := apps.read_namespaced_stateful_set("db", NS))
            and s.status.ready_replicas == 2
            and s
        )
    )
    assert sts.status.current_revision == sts.status.update_revision
    names = sorted(
        p.metadata.name for p in core.list_namespaced_pod(NS, label_selector="app=db").items
    )
    assert names == ["db-0", "db-1"]
    claim = core.read_namespaced_persistent_volume_claim("data-db-1", NS)
    assert claim.status.phase == "Bound"


def test_a_job_runs_to_completion(sandbox, api):
    batch = client.BatchV1Api(api)
    batch.create_namespaced_job(NS, job("ok-job"))
    j = sandbox.wait_for(
        lambda: (x := batch.read_namespaced_job("ok-job", NS)) and cond(x, "Complete") and x
    )
    assert j.status.succeeded == 1
    assert j.status.start_time is not None
    assert j.status.completion_time is not None
    pods = client.CoreV1Api(api).list_namespaced_pod(NS, label_selector="job-name=ok-job").items
    assert [p.status.phase for p in pods] == ["Succeeded"]


def test_a_job_fails_after_its_backoff_limit(sandbox, api):
    batch = client.BatchV1Api(api)
    batch.create_namespaced_job(NS, job("bad-job", fail=True, backoff=1))
    j = sandbox.wait_for(
        lambda: (x := batch.read_namespaced_job("bad-job", NS)) and cond(x, "Failed") and x,
        timeout=15,
    )
    assert cond(j, "Failed").reason == "BackoffLimitExceeded"
    assert j.status.failed == 2
    assert not cond(j, "Complete")


def test_a_finished_job_is_deleted_after_its_ttl(sandbox, api):
    batch = client.BatchV1Api(api)
    batch.create_namespaced_job(NS, job("ttl-job", ttlSecondsAfterFinished=30))

    def gone():
        try:
            batch.read_namespaced_job("ttl-job", NS)
        except client.ApiException as exc:
            return exc.status == 404
        return False

    sandbox.wait_for(gone, timeout=20)


def test_a_cronjob_creates_jobs_on_schedule(sandbox, api):
    batch = client.BatchV1Api(api)
    template = job("unused")["spec"]
    batch.create_namespaced_cron_job(
        NS,
        {
            "metadata": {"name": "every-minute"},
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": template}},
        },
    )
    # A cluster minute is a real second in the sandbox.
    jobs = sandbox.wait_for(
        lambda: (
            batch.list_namespaced_job(NS).items
            and [
                j
                for j in batch.list_namespaced_job(NS).items
                if j.metadata.owner_references
                and j.metadata.owner_references[0].name == "every-minute"
            ]
        ),
        timeout=20,
    )
    assert jobs[0].metadata.name.startswith("every-minute-")
    cj = sandbox.wait_for(
        lambda: (
            (c := batch.read_namespaced_cron_job("every-minute", NS))
            and c.status.last_schedule_time
            and c
        )
    )
    assert cj.status.last_schedule_time is not None


def test_a_crash_looping_pod_counts_restarts(sandbox, api):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod(
        NS,
        {
            "metadata": {"name": "crasher", "annotations": {"sandbox.opsconsole.io/crash": "true"}},
            "spec": {"containers": [{"name": "app", "image": "registry.local/app:1"}]},
        },
    )
    pod = sandbox.wait_for(
        lambda: (
            (p := core.read_namespaced_pod("crasher", NS))
            and p.status.container_statuses
            and p.status.container_statuses[0].restart_count >= 1
            and p
        )
    )
    cs = pod.status.container_statuses[0]
    assert cs.last_state.terminated.exit_code == 1


def test_hpa_reports_status_and_enforces_min_replicas(sandbox, api):
    apps = client.AppsV1Api(api)
    auto = client.AutoscalingV2Api(api)
    apps.create_namespaced_deployment(NS, deployment("scaled", replicas=1))
    auto.create_namespaced_horizontal_pod_autoscaler(
        NS,
        {
            "metadata": {"name": "scaled"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "scaled"},
                "minReplicas": 2,
                "maxReplicas": 5,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 70},
                        },
                    }
                ],
            },
        },
    )
    h = sandbox.wait_for(
        lambda: (
            (x := auto.read_namespaced_horizontal_pod_autoscaler("scaled", NS))
            and x.status.desired_replicas == 2
            and x.status.current_metrics
            and x
        )
    )
    util = h.status.current_metrics[0].resource.current.average_utilization
    assert 50 <= util <= 90
    assert apps.read_namespaced_deployment("scaled", NS).spec.replicas == 2


def test_events_are_recorded_for_pods(sandbox, api):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod(
        NS,
        {
            "metadata": {"name": "evented"},
            "spec": {"containers": [{"name": "app", "image": "registry.local/app:1"}]},
        },
    )
    sandbox.wait_for(lambda: core.read_namespaced_pod("evented", NS).status.phase == "Running")
    events = core.list_namespaced_event(
        NS, field_selector="involvedObject.name=evented,involvedObject.kind=Pod"
    ).items
    reasons = [e.reason for e in events]
    assert reasons[:2] == ["Scheduled", "Pulling"]
    assert {"Pulled", "Created", "Started"} <= set(reasons)
    started = next(e for e in events if e.reason == "Started")
    assert started.type == "Normal"
    assert started.count == 1
    assert started.source.component == "kubelet"
    assert started.first_timestamp is not None


def test_a_daemonset_runs_one_pod_per_eligible_node(sandbox, api):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    body = deployment("agent", replicas=1)
    body["kind"] = "DaemonSet"
    del body["spec"]["replicas"]
    apps.create_namespaced_daemon_set(NS, body)
    ds = sandbox.wait_for(
        lambda: (
            (d := apps.read_namespaced_daemon_set("agent", NS)) and d.status.number_ready == 3 and d
        )
    )
    # The GPU node is tainted; a pod without the toleration does not go there.
    assert ds.status.desired_number_scheduled == 3
    nodes = sorted(
        p.spec.node_name for p in core.list_namespaced_pod(NS, label_selector="app=agent").items
    )
    assert nodes == ["sandbox-cpu-1", "sandbox-cpu-2", "sandbox-cpu-3"]


def test_recreate_strategy_stops_old_pods_first(sandbox, api):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.create_namespaced_deployment(
        NS, deployment("recreate", replicas=2, strategy={"type": "Recreate"})
    )
    sandbox.wait_for(rollout_done(apps, "recreate", 2))
    apps.patch_namespaced_deployment(
        "recreate",
        NS,
        {
            "spec": {
                "template": {
                    "spec": {"containers": [{"name": "web", "image": "registry.local/web:2"}]}
                }
            }
        },
    )
    sandbox.wait_for(rollout_done(apps, "recreate", 2))
    images = {
        p.spec.containers[0].image
        for p in core.list_namespaced_pod(NS, label_selector="app=recreate").items
    }
    assert images == {"registry.local/web:2"}


def test_gpu_pods_land_on_the_gpu_node(sandbox, api):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod(
        NS,
        {
            "metadata": {"name": "gpu-user"},
            "spec": {
                "tolerations": [
                    {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
                ],
                "containers": [
                    {
                        "name": "train",
                        "image": "registry.local/train:1",
                        "resources": {"limits": {"nvidia.com/gpu": "1"}},
                    }
                ],
            },
        },
    )
    pod = sandbox.wait_for(
        lambda: (p := core.read_namespaced_pod("gpu-user", NS)) and p.spec.node_name and p
    )
    assert pod.spec.node_name == "sandbox-gpu-1"


def test_an_unschedulable_pod_stays_pending_with_a_reason(sandbox, api):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod(
        NS,
        {
            "metadata": {"name": "nowhere"},
            "spec": {
                "nodeSelector": {"disk": "floppy"},
                "containers": [{"name": "app", "image": "registry.local/app:1"}],
            },
        },
    )
    pod = sandbox.wait_for(
        lambda: (p := core.read_namespaced_pod("nowhere", NS)) and p.status.conditions and p
    )
    scheduled = cond(pod, "PodScheduled")
    assert (pod.status.phase, scheduled.status, scheduled.reason) == (
        "Pending",
        "False",
        "Unschedulable",
    )
