"""Appends from many connections at once still form one unforked chain."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record
from tests.helpers.audit import verify


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_keep_the_chain_whole() -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(15):
                record("test.parallel", outcome=Outcome.SUCCEEDED, parameters={"w": n, "i": i})
        except BaseException as exc:  # reported below, from the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert "verified by its hashes only: 120 events" in verify()
