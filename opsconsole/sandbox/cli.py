"""Serving the sandbox from a process: `python -m opsconsole.sandbox`. It needs no Django
settings and no Celery, like a real API server; the demo, the tests and the benchmarks run it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from opsconsole.sandbox.server import Sandbox, check_loopback

DEFAULT_SEED = Path(__file__).resolve().parents[2] / "k8s"


@dataclass(frozen=True)
class Options:
    host: str
    port: int
    kubeconfig: Path
    seed: Path | None
    pods: int = 0
    time_scale: float = 60.0
    compact_seconds: float = 300.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=6443, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument(
        "--kubeconfig",
        required=True,
        type=Path,
        help="where to write a kubeconfig for this sandbox",
    )
    parser.add_argument(
        "--seed", type=Path, default=None, help="directory of manifests to apply (default: k8s/)"
    )
    parser.add_argument(
        "--pods", type=int, default=0, help="add synthetic workloads until the cluster holds N pods"
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=60.0,
        help="cluster seconds per real second for durations in specs",
    )
    parser.add_argument(
        "--compact-seconds",
        type=float,
        default=300.0,
        help="compact the watch history this often (real seconds), as the API server does etcd",
    )


async def serve(options: Options, say: Callable[[str], None]) -> None:
    """Seed, listen, write the kubeconfig, say one ready line, run until SIGINT/SIGTERM."""
    sandbox = Sandbox(
        check_loopback(options.host),
        options.port,
        options.time_scale,
        compact_seconds=options.compact_seconds,
    )
    report = sandbox.seed(options.seed, options.pods)
    await sandbox.start()
    sandbox.write_kubeconfig(options.kubeconfig)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    say(
        f"Sandbox cluster ready at {sandbox.url} (kubeconfig {options.kubeconfig} for "
        f"{sandbox.tls_url or sandbox.url}, "
        f"{len(report.created)} objects applied, {len(report.skipped)} skipped)"
    )
    await stop.wait()
    await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m opsconsole.sandbox")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        host = check_loopback(args.host)
    except ValueError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.WARNING)
    options = Options(
        host,
        args.port,
        args.kubeconfig,
        args.seed or DEFAULT_SEED,
        args.pods,
        args.time_scale,
        args.compact_seconds,
    )
    asyncio.run(serve(options, lambda line: print(line, flush=True)))
