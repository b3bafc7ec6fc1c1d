"""A simulated Kubernetes API server for the demo and the tests (see README.md)."""
