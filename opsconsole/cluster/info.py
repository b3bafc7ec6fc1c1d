from __future__ import annotations

from dataclasses import dataclass

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from opsconsole.cluster.config import ClusterConfig, api_client, context_name
from opsconsole.cluster.errors import ClusterUnreachable

# The sandbox cluster marks its version so the console can never mistake it for production.
SANDBOX_MARKER = "sandbox"


@dataclass(frozen=True)
class ClusterInfo:
    name: str
    server: str
    version: str
    sandbox: bool


def describe_cluster(cfg: ClusterConfig) -> ClusterInfo:
    """Ask the API server who it is; raises ClusterUnreachable when it does not answer."""
    with api_client(cfg) as api:
        try:
            version = client.VersionApi(api).get_code(_request_timeout=cfg.timeout)
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise ClusterUnreachable(f"{api.configuration.host}: {exc}") from exc
        git_version = str(version.git_version)
        return ClusterInfo(
            name=context_name(cfg),
            server=str(api.configuration.host),
            version=git_version,
            sandbox=SANDBOX_MARKER in git_version or SANDBOX_MARKER in str(version.platform),
        )
