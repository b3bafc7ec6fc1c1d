"""Pod logs: a tail read, a follow stream and a download stream, through the log subresource.

Read as bytes (`_preload_content=False`): the official client's read_namespaced_pod_log would
return the text of `repr(bytes)`. Lines are always asked for with timestamps, so a follower
can ask for what is newer than the last line it saw.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from opsconsole.cluster.calls import get_text, stream_bytes
from opsconsole.cluster.config import ClusterConfig
from opsconsole.cluster.kinds import BY_PLURAL

MAX_TAIL = 10_000


@dataclass(frozen=True)
class LogOptions:
    container: str = ""
    tail: int | None = 500
    previous: bool = False
    since_seconds: int | None = None
    since_time: datetime | None = None  # sent as sinceSeconds from now: servers honour both
    timestamps: bool = True

    def query(self, follow: bool = False, now: datetime | None = None) -> dict[str, str]:
        since = self.since_seconds
        if self.since_time is not None:
            elapsed = ((now or datetime.now(UTC)) - self.since_time).total_seconds()
            since = max(1, math.ceil(elapsed))
        query = {
            "container": self.container,
            "tailLines": str(min(self.tail, MAX_TAIL)) if self.tail is not None else "",
            "previous": "true" if self.previous else "",
            "sinceSeconds": str(since) if since else "",
            "timestamps": "true" if self.timestamps else "",
            "follow": "true" if follow else "",
        }
        return {k: v for k, v in query.items() if v}


@dataclass(frozen=True)
class LogLine:
    time: datetime | None  # None when the server sent no timestamp
    stamp: str  # the timestamp as sent (RFC 3339, nanoseconds)
    text: str


def parse_line(raw: str) -> LogLine:
    """`2026-12-01T17:00:00.123456789Z text` → its time and text."""
    stamp, sep, text = raw.partition(" ")
    if sep and stamp[:4].isdigit() and stamp.endswith("Z"):
        when = parse_stamp(stamp)
        if when is not None:
            return LogLine(when, stamp, text)
    return LogLine(None, "", raw)


def parse_stamp(stamp: str) -> datetime | None:
    head, _, frac = stamp.rstrip("Z").partition(".")
    try:
        base = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    micros = int((frac + "000000")[:6]) if frac.isdigit() else 0
    return base.replace(microsecond=micros)


def stamp_nanos(stamp: str) -> int:
    """A stamp as nanoseconds since the epoch: servers trim trailing zeros (RFC 3339 nano), so
    stamps of different lengths are compared as numbers, never as text."""
    when = parse_stamp(stamp)
    if when is None:
        return 0
    frac = stamp.rstrip("Z").partition(".")[2]
    nanos = int((frac + "000000000")[:9]) if frac.isdigit() else 0
    return int(when.replace(microsecond=0).timestamp()) * 1_000_000_000 + nanos


def _path(namespace: str, pod: str) -> str:
    # Quoted: a name from an address must not add a path segment or a query to the request.
    return BY_PLURAL["pods"].object_path(quote(namespace, safe=""), quote(pod, safe="")) + "/log"


def read_log(cfg: ClusterConfig, namespace: str, pod: str, options: LogOptions) -> list[LogLine]:
    if options.since_time is not None and options.since_time > datetime.now(UTC):
        return []  # nothing is written in the future (sinceSeconds cannot say so)
    text = get_text(cfg, _path(namespace, pod), options.query())
    return [parse_line(line) for line in text.splitlines()]


def lines_after(
    cfg: ClusterConfig, namespace: str, pod: str, options: LogOptions, after: str
) -> list[LogLine]:
    """The lines newer than the timestamp `after` (as a line carried it): what a follower
    polling every few seconds appends. Asked as sinceSeconds (whole seconds, so a little
    overlap), then cut at the exact stamp; equal stamps were seen already."""
    last = parse_stamp(after)
    if last is None:
        return []
    seen = stamp_nanos(after)
    since = max(1, math.ceil((datetime.now(UTC) - last).total_seconds()) + 1)
    ask = LogOptions(options.container, None, options.previous, since, None, True)
    lines = read_log(cfg, namespace, pod, ask)
    return [line for line in lines if line.stamp and stamp_nanos(line.stamp) > seen]


def stream_log(
    cfg: ClusterConfig,
    namespace: str,
    pod: str,
    options: LogOptions,
    follow: bool = False,
    idle_timeout: float | None = None,
) -> Iterator[bytes]:
    """The log as it comes, for a download or a follower; `follow` keeps it open until the
    container stops, each wait bounded by `idle_timeout`."""
    read_timeout = idle_timeout if follow else max(cfg.timeout, 30.0)
    return stream_bytes(cfg, _path(namespace, pod), options.query(follow), read_timeout)
