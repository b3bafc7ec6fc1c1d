"""Addresses mirror the Kubernetes API: /ns/<namespace>/<resource>/[<name>/], /ns/_all/… for
every allowed namespace, /cluster/<resource>/… for cluster-scoped kinds. <resource> is the
plural kubectl uses (kinds.py also takes its short names)."""

from django.urls import path

from opsconsole.workloads.views import details, lists

app_name = "workloads"
urlpatterns = [
    path("ns/<str:namespace>/<str:resource>/", lists.namespaced_list, name="list"),
    path("cluster/<str:resource>/", lists.cluster_list, name="cluster_list"),
    path("ns/<str:namespace>/<str:resource>/<str:name>/", details.namespaced_detail, name="detail"),
    path("cluster/<str:resource>/<str:name>/", details.cluster_detail, name="cluster_detail"),
    path("ns/<str:namespace>/<str:resource>/<str:name>/yaml/", details.yaml_view, name="yaml"),
    path("cluster/<str:resource>/<str:name>/yaml/", details.cluster_yaml_view, name="cluster_yaml"),
    path("ns/<str:namespace>/deployments/<str:name>/diff/", details.revision_diff, name="diff"),
    path("ns/<str:namespace>/pods/<str:name>/logs/", details.pod_logs, name="logs"),
    path(
        "ns/<str:namespace>/pods/<str:name>/logs/follow/",
        details.pod_logs_follow,
        name="logs_follow",
    ),
    path(
        "ns/<str:namespace>/pods/<str:name>/logs/download/",
        details.pod_logs_download,
        name="logs_download",
    ),
]
