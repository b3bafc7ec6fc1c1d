"""The console's view of which cluster it talks to, cached briefly for every page."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache

from opsconsole.cluster import ClusterError, ClusterInfo, describe_cluster
from opsconsole.workloads.live import cluster_config

log = logging.getLogger(__name__)
_CACHE_KEY = "shell:cluster-status"
_CACHE_SECONDS = 30


@dataclass(frozen=True)
class ClusterStatus:
    info: ClusterInfo | None
    error: str = ""

    @property
    def reachable(self) -> bool:
        return self.info is not None


def cluster_status() -> ClusterStatus:
    try:
        cached = cache.get(_CACHE_KEY)
    except Exception:
        log.warning("cache unavailable; asking the cluster directly", exc_info=True)
        cached = None
    if isinstance(cached, ClusterStatus):
        return cached
    try:
        status = ClusterStatus(info=describe_cluster(cluster_config()))
    except ClusterError as exc:
        status = ClusterStatus(info=None, error=str(exc))
    try:
        # An unreachable cluster is asked again sooner, so recovery shows quickly.
        cache.set(_CACHE_KEY, status, _CACHE_SECONDS if status.reachable else 5)
    except Exception:
        log.warning("cache unavailable; cluster status not cached", exc_info=True)
    return status
