"""The cluster gateway: the only package that imports `kubernetes`.

It returns small typed values and raises ClusterError subclasses; it knows nothing of HTTP
requests or Django models.
"""

from opsconsole.cluster.config import ClusterConfig, api_client
from opsconsole.cluster.errors import ClusterError, ClusterUnreachable
from opsconsole.cluster.info import ClusterInfo, describe_cluster

__all__ = [
    "ClusterConfig",
    "ClusterError",
    "ClusterInfo",
    "ClusterUnreachable",
    "api_client",
    "describe_cluster",
]
