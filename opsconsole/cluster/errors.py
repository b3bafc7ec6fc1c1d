class ClusterError(Exception):
    """Something the Kubernetes API refused or could not do."""


class ClusterUnreachable(ClusterError):
    """No answer from the API server (down, wrong address, timeout, bad credentials file)."""
