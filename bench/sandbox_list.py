"""LIST (paged, limit=500) time, watch latency and server RSS at 1k/10k/50k pods.

Run: .venv/bin/python bench/sandbox_list.py [--sizes 1000,10000,50000]
Each size starts its own sandbox process (`python -m opsconsole.sandbox --pods N`), so the
RSS is that server's alone and the client does not share its GIL. A paged LIST of all pods is
timed two ways with the official client: raw (`_preload_content=False`, JSON parsed with
json.loads: what the server costs) and typed (`V1PodList` models: what a console using the
typed client pays, mostly the client's own deserialisation).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from kubernetes import client, watch

from opsconsole.sandbox.auth import ADMIN_TOKEN

REPO = Path(__file__).resolve().parents[1]


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def list_all(core: client.CoreV1Api) -> tuple[int, int]:
    token, count, pages = None, 0, 0
    while True:
        page = core.list_pod_for_all_namespaces(limit=500, _continue=token, _preload_content=False)
        body = json.loads(page.data)
        count += len(body["items"])
        pages += 1
        token = body["metadata"].get("continue")
        if not token:
            return count, pages


def list_all_typed(core: client.CoreV1Api) -> int:
    """The same paged LIST through the typed client: V1PodList of V1Pod models."""
    token, count = None, 0
    while True:
        page = core.list_pod_for_all_namespaces(limit=500, _continue=token)
        count += len(page.items)
        token = page.metadata._continue
        if not token:
            return count


def watch_latency(core: client.CoreV1Api) -> float:
    """Seconds from creating a pod to its ADDED event on a cluster-wide pod watch."""
    rv = core.list_namespaced_pod("default", limit=1).metadata.resource_version
    seen = threading.Event()
    created: list[float] = []

    def consume() -> None:
        for ev in watch.Watch().stream(
            core.list_pod_for_all_namespaces, resource_version=rv, timeout_seconds=30
        ):
            if ev["object"].metadata.name == "bench-probe":
                created.append(time.perf_counter())
                seen.set()
                return

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    time.sleep(0.2)
    start = time.perf_counter()
    core.create_namespaced_pod(
        "default",
        {
            "metadata": {"name": "bench-probe"},
            "spec": {"containers": [{"name": "c", "image": "registry.local/probe:1"}]},
        },
    )
    seen.wait(30)
    return created[0] - start


def one(size: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "opsconsole.sandbox",
                "--port",
                "0",
                "--kubeconfig",
                f"{tmp}/kc",
                "--seed",
                tmp,
                "--pods",
                str(size),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            ready = proc.stdout.readline()
            startup = time.perf_counter() - started
            cfg = client.Configuration()
            cfg.host = ready.split(" at ")[1].split()[0]
            cfg.api_key = {"authorization": f"Bearer {ADMIN_TOKEN}"}  # the sandbox's admin
            cfg.api_key = {"authorization": "Bearer sandbox"}  # the admin token
            core = client.CoreV1Api(client.ApiClient(cfg))
            timings = []
            for _ in range(3):
                t0 = time.perf_counter()
                count, pages = list_all(core)
                timings.append(time.perf_counter() - t0)
            assert count >= size, (count, size)
            t0 = time.perf_counter()
            typed = list_all_typed(core)
            typed_s = time.perf_counter() - t0
            assert typed == count, (typed, count)
            nodes = len(core.list_node().items)
            return {
                "nodes": nodes,
                "list_typed_s": round(typed_s, 2),
                "pods": size,
                "startup_s": round(startup, 1),
                "pages": pages,
                "list_best_s": round(min(timings), 3),
                "list_median_s": round(statistics.median(timings), 3),
                "watch_event_ms": round(watch_latency(core) * 1000, 1),
                "rss_mib": round(rss_mib(proc.pid)),
            }
        finally:
            proc.terminate()
            proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,50000")
    args = parser.parse_args()
    print(
        f"{'pods':>7} {'nodes':>6} {'startup s':>9} {'pages':>6} {'raw LIST best s':>16} "
        f"{'raw LIST median s':>18} {'typed LIST s':>13} {'watch event ms':>15} "
        f"{'server RSS MiB':>15}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        r = one(size)
        print(
            f"{r['pods']:>7} {r['nodes']:>6} {r['startup_s']:>9} {r['pages']:>6} "
            f"{r['list_best_s']:>16} {r['list_median_s']:>18} {r['list_typed_s']:>13} "
            f"{r['watch_event_ms']:>15} {r['rss_mib']:>15}",
            flush=True,
        )


if __name__ == "__main__":
    main()
