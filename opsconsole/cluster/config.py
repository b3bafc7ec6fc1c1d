from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeAlias

from kubernetes import client, config

from opsconsole.cluster.errors import ClusterUnreachable

# Apps hold a client for the gateway's functions without importing `kubernetes` themselves.
ApiClient: TypeAlias = client.ApiClient


@dataclass(frozen=True)
class ClusterConfig:
    """Where the API server is: in-cluster service account, else a kubeconfig file."""

    kubeconfig: str = ""
    context: str = ""
    timeout: float = 5.0

    @property
    def in_cluster(self) -> bool:
        return not self.kubeconfig and "KUBERNETES_SERVICE_HOST" in os.environ


def api_client(cfg: ClusterConfig, pool_size: int = 0) -> client.ApiClient:
    """`pool_size`: connections kept per host (the sync holds one open watch per kind)."""
    configuration = client.Configuration()
    if pool_size:
        configuration.connection_pool_maxsize = pool_size
    try:
        if cfg.in_cluster:
            config.load_incluster_config(client_configuration=configuration)
        else:
            config.load_kube_config(
                config_file=cfg.kubeconfig or None,
                context=cfg.context or None,
                client_configuration=configuration,
            )
    except (config.ConfigException, OSError) as exc:
        raise ClusterUnreachable(f"no usable cluster configuration: {exc}") from exc
    configuration.retries = 0  # callers decide about retries; a page must not hang
    return client.ApiClient(configuration)


def context_name(cfg: ClusterConfig) -> str:
    """The kubeconfig context the console uses, or 'in-cluster'."""
    if cfg.in_cluster:
        return "in-cluster"
    try:
        _, active = config.list_kube_config_contexts(config_file=cfg.kubeconfig or None)
    except (config.ConfigException, OSError):
        return "unconfigured"
    return str(cfg.context or active["name"])
