"""The detail pages' fixtures (objects of every kind in a namespace of their own)."""

from tests.workloads.live_objects import console, workspace  # noqa: F401
