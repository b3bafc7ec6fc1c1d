"""`manage.py cluster_sync`: keep the console's rows of the cluster in Redis.

One process per cluster; run two for availability: they elect a leader on a Lease and only
the leader syncs. One thread per kind (and namespace) blocks on its WATCH, so a process holds
14 x namespaces threads and one connection each; SIGTERM releases the Lease and exits.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from opsconsole.cluster import ClusterUnreachable
from opsconsole.cluster.config import ApiClient, ClusterConfig, api_client
from opsconsole.cluster.kinds import KINDS
from opsconsole.cluster.leader import LeaseElector, lead
from opsconsole.cluster.sync import plan, start
from opsconsole.workloads.cache import RedisSink
from opsconsole.workloads.live import cluster_config

log = logging.getLogger("opsconsole.cluster_sync")
LEASE_NAME = "opsconsole-sync"


def _client(cfg: ClusterConfig, pool_size: int, stop: threading.Event) -> ApiClient | None:
    """The API client, once a configuration exists: in the demo the sandbox writes its
    kubeconfig a moment after this process starts."""
    while not stop.is_set():
        try:
            return api_client(cfg, pool_size=pool_size)
        except ClusterUnreachable as exc:
            log.warning("%s; trying again in 2 s", exc)
            stop.wait(2)
    return None


class Command(BaseCommand):
    help = "LIST then WATCH every kind the console shows, keeping its rows in Redis (leader only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--identity",
            default=f"{socket.gethostname()}-{os.getpid()}",
            help="this candidate's name in the Lease (default: host-pid)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        namespaces = list(settings.OPSCONSOLE_NAMESPACES)
        cfg = cluster_config()
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            log.info("signal %s: stopping", signal.Signals(signum).name)
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        api = _client(cfg, len(KINDS) * len(namespaces) + 4, stop)
        if api is None:
            return
        sink = RedisSink()
        elector = LeaseElector(api, namespaces[0], LEASE_NAME, options["identity"])
        log.info(
            "cluster sync %s: %s, namespaces %s, waiting for the lease %s/%s",
            elector.identity,
            api.configuration.host,
            ",".join(namespaces),
            namespaces[0],
            LEASE_NAME,
        )

        def work(lost: threading.Event) -> Callable[[], None]:
            syncs = plan(api, KINDS, namespaces, sink, lost, settings.OPSCONSOLE_SYNC_CLUSTER_WIDE)
            threads = start(syncs)
            log.info("syncing %d collections", len(syncs))

            def finish() -> None:
                # A thread blocked on a quiet watch notices at its next line; it writes
                # nothing more either way, and the threads are daemons.
                deadline = time.monotonic() + 3
                for thread in threads:
                    thread.join(timeout=max(0.0, deadline - time.monotonic()))
                log.info("stopped syncing")

            return finish

        lead(elector, stop, work)
        log.info("cluster sync %s stopped", elector.identity)
