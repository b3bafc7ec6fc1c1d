"""A real Celery worker takes a JSON message from the real Redis broker and runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings

from opsconsole.celery import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def worker() -> Iterator[subprocess.Popen[bytes]]:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "opsconsole.celery", "worker", "--pool", "solo",
         "--queues", queue, "--include", "tests.integration.celery_probe",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
    )  # fmt: skip
    process.queue = queue  # type: ignore[attr-defined]
    yield process
    process.terminate()
    process.wait(timeout=30)


def test_the_worker_runs_a_task_sent_as_json(worker: subprocess.Popen[bytes]) -> None:
    key = f"probe:{uuid.uuid4()}"
    app.send_task("tests.probe", args=[key, "done"], queue=worker.queue)  # type: ignore[attr-defined]
    store = redis.Redis.from_url(settings.REDIS_URL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and store.get(key) is None:
        time.sleep(0.2)
    assert store.get(key) == b"done"


def test_the_app_accepts_only_json_and_acks_late() -> None:
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    # A message unacked for longer than the longest retry back-off is redelivered.
    assert (
        conf.broker_transport_options["visibility_timeout"] > settings.OPSCONSOLE_MAX_RETRY_BACKOFF
    )
