"""Pod logs, generated on demand and deterministic per pod, container and restart.

Nothing is stored: line i of a container's log is a pure function of (pod uid, container,
restart, i), and how many lines exist follows from when the container started. A pod of the
trading engine logs orders and P&L, an API logs requests, a training job logs epochs, etc.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opsconsole.sandbox import errors

Obj = dict[str, Any]
MAX_LINES = 5000  # like kubelet log rotation: older lines are gone

SYMBOLS = ("AAPL", "MSFT", "NVDA", "ES=F", "NQ=F", "EURUSD", "BTC-USD", "TSLA", "AMZN", "SPY")
PATHS = (
    "/api/v1/orders",
    "/api/v1/positions",
    "/api/v1/quotes",
    "/healthz",
    "/api/v1/pnl",
    "/metrics",
    "/api/v1/strategies",
    "/api/v1/risk/limits",
)


@dataclass(frozen=True)
class LogRequest:
    container: str
    tail: int | None = None
    since: int | None = None
    timestamps: bool = False
    previous: bool = False
    limit_bytes: int | None = None


def _rand(*parts: object) -> tuple[int, int, int, int]:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).digest()
    return struct.unpack("<IIII", digest)


def _ts(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def profile(pod: Obj, container: str) -> str:
    labels = pod["metadata"].get("labels") or {}
    image = next(
        (
            c.get("image", "")
            for c in pod["spec"].get("containers") or []
            if c.get("name") == container
        ),
        "",
    )
    text = " ".join([image, container, pod["metadata"]["name"], *labels.values()]).lower()
    for name, words in (
        ("postgres", ("postgres", "timescale")),
        ("redis", ("redis",)),
        ("rabbitmq", ("rabbitmq",)),
        ("training", ("train", "trainer", "backtest", "fine-tune")),
        ("inference", ("inference", "predict", "serving", "model-server", "ml-service")),
        ("pipeline", ("pipeline", "ingest", "etl", "market-data", "feed", "loader")),
        ("api", ("api", "gateway", "web", "console", "frontend", "nginx")),
        ("trading", ("engine", "trading", "strategy", "execution", "order", "risk")),
    ):
        if any(w in text for w in words):
            return name
    return "generic"


_STARTUP: dict[str, list[str]] = {
    "postgres": [
        "PostgreSQL init process complete; ready for start up.",
        "LOG:  starting PostgreSQL 16.4 on x86_64-pc-linux-gnu",
        'LOG:  listening on IPv4 address "0.0.0.0", port 5432',
        "LOG:  database system was shut down at 2026-01-01 00:00:00 UTC",
        "LOG:  database system is ready to accept connections",
    ],
    "redis": [
        "1:C oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
        "1:M Running mode=standalone, port=6379.",
        "1:M Server initialized",
        "1:M Ready to accept connections tcp",
    ],
    "rabbitmq": [
        "[info] Starting RabbitMQ 3.13.7 on Erlang 26.2",
        "[info] node           : rabbit@rabbitmq-0",
        "[info] Started message store of vhost '/'",
        "[info] Ready to start client connection listeners",
        "[info] started TCP listener on [::]:5672",
        "[info] Server startup complete; 4 plugins started.",
    ],
    "trading": [
        "INFO engine: loading strategies from /etc/strategies",
        "INFO engine: connected to market data feed",
        "INFO engine: risk limits loaded max_position_usd=5000000",
        "INFO engine: trading session open",
    ],
    "training": [
        "INFO trainer: found 1 CUDA device(s): NVIDIA A100-SXM4-40GB",
        "INFO trainer: loading dataset s3://ml-datasets/ticks/2026-01",
        "INFO trainer: model=price-transformer params=48.2M",
    ],
    "inference": [
        "INFO server: loading model price-transformer:v12",
        "INFO server: warmup complete (32 requests)",
        "INFO server: listening on :8080",
    ],
    "pipeline": [
        "INFO pipeline: starting ingestion workers=4",
        "INFO pipeline: connected to rabbitmq amqp://rabbitmq:5672",
    ],
    "api": [
        "INFO uvicorn: Started server process [1]",
        "INFO uvicorn: Application startup complete.",
        "INFO uvicorn: Uvicorn running on http://0.0.0.0:8000",
    ],
    "generic": ["INFO starting", "INFO ready"],
}
_RATE = {
    "postgres": 0.2,
    "redis": 0.1,
    "rabbitmq": 0.1,
    "trading": 3.0,
    "training": 0.5,
    "inference": 2.0,
    "pipeline": 1.0,
    "api": 2.0,
    "generic": 0.2,
}


def _line(kind: str, seed: str, i: int) -> str:
    a, b, c, d = _rand(seed, i)
    if kind == "trading":
        sym = SYMBOLS[a % len(SYMBOLS)]
        if b % 10 == 0:
            pnl = ((c % 2_000_000) - 600_000) / 100
            return f"INFO pnl: realized_usd={pnl:.2f} open_positions={d % 40}"
        side = "BUY" if c % 2 else "SELL"
        qty = (d % 500 + 1) * 10
        price = 50 + (a % 50000) / 100
        result = "FILLED" if b % 17 else "REJECTED reason=risk_limit"
        return f"INFO order: id=ord-{a:08x} {side} {qty} {sym} @ {price:.2f} {result}"
    if kind == "api" or kind == "inference":
        path = "/v1/predict" if kind == "inference" else PATHS[a % len(PATHS)]
        method = "POST" if kind == "inference" or b % 4 == 0 else "GET"
        status = 500 if c % 97 == 0 else 404 if c % 31 == 0 else 200
        return (
            f'10.244.{a % 4}.{b % 250 + 2} - - "{method} {path} HTTP/1.1" {status} '
            f"{c % 9000 + 120} {d % 180 + 2}ms"
        )
    if kind == "training":
        epoch = i + 1
        loss = 2.5 * (0.93**epoch) + (a % 100) / 2000
        return (
            f"INFO trainer: epoch {epoch} loss={loss:.4f} val_loss={loss * 1.07:.4f} "
            f"lr=3.0e-04 gpu_util={80 + b % 20}%"
        )
    if kind == "pipeline":
        sym = SYMBOLS[a % len(SYMBOLS)]
        return (
            f"INFO ingest: batch={i} source=exchange-feed symbol={sym} "
            f"rows={b % 50000 + 1000} lag_ms={c % 400} ok"
        )
    if kind == "postgres":
        return f"LOG:  checkpoint complete: wrote {a % 900} buffers ({(b % 100) / 10:.1f}%)"
    if kind == "redis":
        return f"1:M {c % 1000} changes in 60 seconds. Saving... DB saved on disk"
    if kind == "rabbitmq":
        return f"[info] accepting AMQP connection 10.244.{a % 4}.{b % 250}:{c % 60000}"
    return f"INFO heartbeat seq={i} ok"


@dataclass(frozen=True)
class _Instance:
    seed: str
    kind: str
    start: float
    end: float | None  # None while running
    outcome: str  # "", "ok", "error"


def _instance(pod: Obj, req: LogRequest) -> _Instance:
    name = pod["metadata"]["name"]
    statuses = {c["name"]: c for c in pod.get("status", {}).get("containerStatuses") or []}
    cs = statuses.get(req.container)
    state = (cs or {}).get("lastState" if req.previous else "state", {})
    if req.previous:
        term = state.get("terminated")
        if not term:
            raise errors.bad_request(
                f'previous terminated container "{req.container}" in pod "{name}" not found'
            )
        restart = int((cs or {}).get("restartCount", 1)) - 1
        seed = f"{pod['metadata']['uid']}:{req.container}:{restart}"
        return _Instance(
            seed,
            profile(pod, req.container),
            _ts(term["startedAt"]),
            _ts(term["finishedAt"]),
            "error",
        )
    if "running" in state:
        start, end, outcome = _ts(state["running"]["startedAt"]), None, ""
    elif "terminated" in state:
        term = state["terminated"]
        start, end = _ts(term["startedAt"]), _ts(term["finishedAt"])
        outcome = "ok" if term.get("exitCode", 0) == 0 else "error"
    else:
        why = state.get("waiting", {}).get("reason", "ContainerCreating")
        raise errors.bad_request(
            f'container "{req.container}" in pod "{name}" is waiting to start: {why}'
        )
    restart = int((cs or {}).get("restartCount", 0))
    return _Instance(
        f"{pod['metadata']['uid']}:{req.container}:{restart}",
        profile(pod, req.container),
        start,
        end,
        outcome,
    )


def _fmt(when: float, text: str, timestamps: bool) -> str:
    if not timestamps:
        return text + "\n"
    stamp = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return f"{stamp}000Z {text}\n"


def _lines_between(inst: _Instance, first: int, last: int) -> list[tuple[float, str]]:
    """Lines first..last-1 of an instance's log with their times."""
    startup = _STARTUP[inst.kind]
    rate = _RATE[inst.kind]
    out: list[tuple[float, str]] = []
    for i in range(first, last):
        if i < len(startup):
            out.append((inst.start + i * 0.001, startup[i]))
        else:
            n = i - len(startup)
            out.append((inst.start + 0.01 + n / rate, _line(inst.kind, inst.seed, n)))
    return out


def _count(inst: _Instance, now: float) -> int:
    """How many lines exist at time `now`."""
    end = now if inst.end is None else min(now, inst.end)
    elapsed = end - inst.start
    if elapsed < 0:
        return 0
    # The startup lines are there at once; then the steady rate begins.
    return len(_STARTUP[inst.kind]) + int(elapsed * _RATE[inst.kind]) + 1


def _epilogue(inst: _Instance) -> str:
    if inst.outcome == "error":
        return "ERROR fatal: unhandled exception, exiting with code 1"
    return "INFO done: completed successfully"


def render_lines(pod: Obj, req: LogRequest, now: float | None = None) -> list[str]:
    inst = _instance(pod, req)
    now = now if now is not None else datetime.now(UTC).timestamp()
    total = _count(inst, now)
    first = max(0, total - MAX_LINES)
    lines = _lines_between(inst, first, total)
    if inst.end is not None and inst.outcome:
        lines.append((inst.end, _epilogue(inst)))
    if req.since is not None:
        lines = [(t, s) for t, s in lines if t >= now - req.since]
    if req.tail is not None and req.tail >= 0:
        lines = lines[-req.tail :] if req.tail else []
    out = [_fmt(t, s, req.timestamps) for t, s in lines]
    if req.limit_bytes is not None:
        kept, size = [], 0
        for line in out:
            if size + len(line) > req.limit_bytes:
                break
            kept.append(line)
            size += len(line)
        out = kept
    return out


async def follow_lines(
    pod: Obj, req: LogRequest, current: Callable[[], Obj | None], poll: float = 0.25
) -> AsyncIterator[str]:
    """Lines written after the first response, until the container stops or the pod goes."""
    inst = _instance(pod, req)
    sent = _count(inst, datetime.now(UTC).timestamp())
    while True:
        await asyncio.sleep(poll)
        latest = current()
        if latest is None or latest["metadata"]["uid"] != pod["metadata"]["uid"]:
            return
        try:
            now_inst = _instance(latest, req)
        except errors.ApiError:
            return
        if now_inst.seed != inst.seed:
            return  # the container restarted: kubectl -f ends, as with a real kubelet
        total = _count(now_inst, datetime.now(UTC).timestamp())
        for when, text in _lines_between(now_inst, sent, total):
            yield _fmt(when, text, req.timestamps)
        sent = total
        if now_inst.end is not None:
            if now_inst.outcome:
                yield _fmt(now_inst.end, _epilogue(now_inst), req.timestamps)
            return
