"""Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it.

The holder renews `spec.renewTime` every RENEW_SECONDS; a candidate takes the Lease over when
it is free or its renewTime is older than leaseDurationSeconds. Every write carries the
resourceVersion it read, so of two candidates racing for a free Lease exactly one wins (the
other gets 409). The holder gives up (stops its work) when it could not renew for
RENEW_DEADLINE seconds — before anyone else may take over — and releases the Lease on a
clean stop so the standby takes over at once.

Expiry is judged from the Lease's renewTime against our own clock. client-go judges it by
when the candidate last saw the Lease change, which tolerates clock skew between nodes but
adds up to one retry period to every takeover; cluster nodes run NTP, and the takeover must
be within the lease duration.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from opsconsole.cluster.rows import epoch

log = logging.getLogger(__name__)

# A standby takes over at most LEASE_SECONDS + RETRY_SECONDS after the leader's last renewal,
# so within 15 s of its death, as the console promises; renewing every 4 s leaves two misses'
# grace before the holder gives up (RENEW_DEADLINE) and well before the lease lapses.
LEASE_SECONDS = 12
RENEW_SECONDS = 4.0
RENEW_DEADLINE = 9.0
RETRY_SECONDS = 1.0
_TIMEOUT = (3.0, 5.0)


def _micro_time(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class LeaseElector:
    api: client.ApiClient
    namespace: str
    name: str
    identity: str
    lease_seconds: int = LEASE_SECONDS

    @property
    def _path(self) -> str:
        return f"/apis/coordination.k8s.io/v1/namespaces/{self.namespace}/leases"

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = self.api.call_api(
            path,
            method,
            header_params={"Accept": "application/json", "Content-Type": "application/json"},
            body=body,
            auth_settings=["BearerToken"],
            _preload_content=False,
            _request_timeout=_TIMEOUT,
        )
        try:
            return dict(json.loads(response.data))
        finally:
            response.release_conn()

    def _spec(self, previous: dict[str, Any] | None) -> dict[str, Any]:
        now = _micro_time()
        spec = dict(previous or {})
        if spec.get("holderIdentity") != self.identity:
            spec["acquireTime"] = now
            spec["leaseTransitions"] = int(spec.get("leaseTransitions", 0)) + (
                1 if previous and previous.get("holderIdentity") else 0
            )
        spec.update(
            holderIdentity=self.identity, leaseDurationSeconds=self.lease_seconds, renewTime=now
        )
        return spec

    def try_acquire_or_renew(self) -> bool:
        """True when we hold the Lease after this call."""
        try:
            try:
                lease = self._call("GET", f"{self._path}/{self.name}")
            except ApiException as exc:
                if exc.status != 404:
                    raise
                body = {
                    "apiVersion": "coordination.k8s.io/v1",
                    "kind": "Lease",
                    "metadata": {"name": self.name, "namespace": self.namespace},
                    "spec": self._spec(None),
                }
                self._call("POST", self._path, body)
                return True
            spec = lease.get("spec") or {}
            holder = spec.get("holderIdentity") or ""
            if holder and holder != self.identity:
                duration = float(spec.get("leaseDurationSeconds") or self.lease_seconds)
                if time.time() < epoch(spec.get("renewTime")) + duration:
                    return False
                log.info("lease %s held by %s has expired; taking it over", self.name, holder)
            lease["spec"] = self._spec(spec)
            self._call("PUT", f"{self._path}/{self.name}", lease)
            return True
        except ApiException as exc:
            if exc.status in (409, 404):  # someone else wrote first: not ours this round
                return False
            log.warning("lease %s: API error %s %s", self.name, exc.status, exc.reason)
            return False
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            log.warning("lease %s: API server unreachable (%s)", self.name, exc)
            return False

    def release(self) -> None:
        """Give the Lease up if we hold it, so a standby need not wait for it to expire."""
        try:
            lease = self._call("GET", f"{self._path}/{self.name}")
            spec = lease.get("spec") or {}
            if spec.get("holderIdentity") != self.identity:
                return
            spec.update(holderIdentity="", leaseDurationSeconds=1, renewTime=_micro_time())
            self._call("PUT", f"{self._path}/{self.name}", lease)
            log.info("lease %s released by %s", self.name, self.identity)
        except (ApiException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            log.warning("lease %s: could not release (%s)", self.name, exc)


def lead(
    elector: LeaseElector,
    stop: threading.Event,
    work: Callable[[threading.Event], Callable[[], None]],
) -> None:
    """Until `stop`: wait to be leader, then `work(lost)` starts the work and returns a
    function that waits for it to end; `lost` is set when leadership ends."""
    try:
        while not stop.is_set():
            if not elector.try_acquire_or_renew():
                stop.wait(RETRY_SECONDS)
                continue
            log.info(
                "%s is now the leader (lease %s/%s)",
                elector.identity,
                elector.namespace,
                elector.name,
            )
            lost = threading.Event()
            finish = work(lost)
            renewed = time.monotonic()
            while not stop.wait(RENEW_SECONDS):
                if elector.try_acquire_or_renew():
                    renewed = time.monotonic()
                elif time.monotonic() - renewed > RENEW_DEADLINE:
                    log.warning("%s could not renew the lease: no longer leader", elector.identity)
                    break
            lost.set()
            finish()
    finally:
        elector.release()
