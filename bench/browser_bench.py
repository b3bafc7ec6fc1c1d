"""The cluster browser's speed at 1k, 10k and 50k pods: prints numbers, asserts nothing.

Run (with the test settings' environment: SECRET_KEY, DATABASE_URL, REDIS_URL, …):
    PYTHONPATH=. .venv/bin/python bench/browser_bench.py [--sizes 1000,10000,50000]

For each size it starts `python -m opsconsole.sandbox --pods N` and `manage.py cluster_sync`
(one LIST/WATCH per kind across the cluster, kept to trading-system and the synthetic
namespaces) as their own processes, waits for the cache to hold every pod, then measures
through the full Django stack in this process (django.test.Client: middleware, session,
templates): server time of the overview and of 50-row pod pages, name search, the htmx
fragment's size, `kubectl get pods -A` beside the page, the time from a change in the cluster
to the page showing it, and the sync's RSS.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KUBECTL = REPO / ".venv" / "bin" / "kubectl"
PER_NAMESPACE = 5000  # the sandbox's synthetic namespaces hold 50 Deployments of 100 pods


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def line(label: str, ms: list[float]) -> str:
    return f"  {label:<44} p50 {pct(ms, 50):7.1f} ms   p95 {pct(ms, 95):7.1f} ms   (n={len(ms)})"


def start_sandbox(pods: int, tmp: Path) -> tuple[subprocess.Popen[str], Path, str]:
    kubeconfig = tmp / f"kc-{pods}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "opsconsole.sandbox", "--port", "0", "--kubeconfig",
         str(kubeconfig), "--pods", str(pods)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO,
    )  # fmt: skip
    assert proc.stdout is not None
    for out in proc.stdout:
        if "ready at" in out:
            return proc, kubeconfig, out.split("ready at ", 1)[1].split()[0]
    raise RuntimeError("the sandbox did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsconsole.settings")
    os.environ["OPSCONSOLE_SYNC_CLUSTER_WIDE"] = "1"
    namespaces = ["trading-system"] + [
        f"synthetic-{i:03d}" for i in range(-(-max(sizes) // PER_NAMESPACE))
    ]
    os.environ["OPSCONSOLE_NAMESPACES"] = ",".join(namespaces)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from kubernetes import client as k8s

    from opsconsole.accounts.users import save_user
    from opsconsole.workloads import cache

    call_command("migrate", verbosity=0)
    user = save_user("bench-viewer", "viewer", "correct-horse-battery-staple-bench")[0]
    web = Client()
    web.force_login(user)
    tmp = Path(tempfile.mkdtemp(prefix="browser-bench-"))
    results: dict[int, dict[str, float]] = {}
    for size in sizes:
        print(f"\n== {size} pods ==", flush=True)
        cache.flush()
        cache.connection.cache_clear()
        sandbox, kubeconfig, url = start_sandbox(size, tmp)
        env = {**os.environ, "KUBECONFIG": str(kubeconfig), "PYTHONPATH": str(REPO)}
        os.environ["KUBECONFIG"] = str(kubeconfig)
        started = time.perf_counter()
        log = (tmp / f"sync-{size}.log").open("w")
        sync = subprocess.Popen(
            [sys.executable, str(REPO / "manage.py"), "cluster_sync"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        reader = cache.Cache()
        cfg = k8s.Configuration()
        cfg.host = url
        cfg.api_key = {"authorization": "Bearer sandbox"}
        apps = k8s.AppsV1Api(k8s.ApiClient(cfg))
        core = k8s.CoreV1Api(k8s.ApiClient(cfg))
        try:
            first = core.list_pod_for_all_namespaces(limit=1)
            expected = 1 + (first.metadata.remaining_item_count or 0)
            while sum(reader.counts("pods", cache.ALL).values()) < expected:
                if time.perf_counter() - started > 900:
                    raise RuntimeError("the sync did not finish listing in 15 minutes")
                time.sleep(0.2)
            synced_in = time.perf_counter() - started
            time.sleep(2)
            r: dict[str, float] = {"sync_s": synced_in}
            print(f"  sync listed {size} pods into Redis in {synced_in:.1f} s", flush=True)
            n = args.requests

            def get(path: str, **headers: str) -> bytes:
                response = web.get(path, headers=headers)
                assert response.status_code == 200, (path, response.status_code)
                return response.content

            for label, path in [
                ("overview /", "/"),
                ("pods, all namespaces, page 1", "/ns/_all/pods/"),
                ("pods, all namespaces, page 20", "/ns/_all/pods/?page=20"),
                ("pods, one namespace, sort -restarts", f"/ns/{namespaces[-1] if size > 1000 else 'trading-system'}/pods/?sort=-restarts"),  # noqa: E501
                ("pods, status=Running", "/ns/_all/pods/?status=Running"),
                ("pods, selector", "/ns/_all/pods/?selector=sandbox.opsconsole.io/synthetic%3Dtrue"),  # noqa: E501
                ("pods, name search q=load-0004", "/ns/_all/pods/?q=load-0004"),
            ]:  # fmt: skip
                get(path)
                ms = timed(lambda p=path: get(p), n)  # type: ignore[misc]
                print(line(label, ms), flush=True)
                r[label + " p95"] = pct(ms, 95)
            fragment = get("/ns/_all/pods/", **{"HX-Request": "true", "X-OpsConsole-Poll": "1"})
            frag_ms = timed(lambda: get("/ns/_all/pods/", **{"HX-Request": "true"}), n)
            print(line("pods fragment (htmx poll)", frag_ms))
            print(
                f"  fragment size {len(fragment) / 1024:.1f} KiB; page "
                f"{len(get('/ns/_all/pods/')) / 1024:.1f} KiB; overview "
                f"{len(get('/')) / 1024:.1f} KiB"
            )
            r["fragment_kib"] = len(fragment) / 1024

            if size == 10000 or len(sizes) == 1:
                kube = []
                for _ in range(3):
                    start = time.perf_counter()
                    subprocess.run(
                        [str(KUBECTL), "--kubeconfig", str(kubeconfig), "get", "pods", "-A"],
                        stdout=subprocess.DEVNULL, check=True,
                    )  # fmt: skip
                    kube.append((time.perf_counter() - start) * 1000)
                page = timed(lambda: get("/ns/_all/pods/"), 20)
                print(
                    f"  kubectl get pods -A: median {statistics.median(kube):.0f} ms; "
                    f"the console's pod page: median {statistics.median(page):.1f} ms "
                    f"({statistics.median(kube) / statistics.median(page):.0f}x faster)"
                )
                r["kubectl_ms"] = statistics.median(kube)

            lag = []
            for i in range(20):
                replicas = 2 if i % 2 == 0 else 1  # grafana: no HPA argues with us
                start = time.perf_counter()
                apps.patch_namespaced_deployment_scale(
                    "grafana", "trading-system", {"spec": {"replicas": replicas}}
                )
                while True:
                    html = get("/ns/trading-system/deployments/?q=grafana").decode()
                    m = re.search(r">grafana</a></td>\s*<td>(\d+)</td>", html)
                    if m and m.group(1) == str(replicas):
                        break
                    time.sleep(0.02)
                lag.append((time.perf_counter() - start) * 1000)
            print(line("change → page: a scale", lag))
            pending = []
            for i in range(10):
                name = f"bench-pending-{size}-{i}"
                start = time.perf_counter()
                core.create_namespaced_pod(
                    "trading-system",
                    {"metadata": {"name": name}, "spec": {
                        "nodeSelector": {"bench": "nowhere"},
                        "containers": [{"name": "c", "image": "x:1"}]}},
                )  # fmt: skip
                while (
                    f">{name}</a>"
                    not in get(f"/ns/trading-system/pods/?status=Pending&q={name}").decode()
                ):
                    time.sleep(0.02)
                pending.append((time.perf_counter() - start) * 1000)
            print(line("change → page: a pod going Pending", pending))
            r["change p95"] = pct(lag + pending, 95)
            r["sync_rss"] = rss_mib(sync.pid)
            r["sync_hwm"] = rss_mib(sync.pid, "VmHWM")
            r["web_rss"] = rss_mib(os.getpid())
            print(
                f"  sync RSS {r['sync_rss']:.0f} MiB (peak {r['sync_hwm']:.0f} MiB); "
                f"this web process {r['web_rss']:.0f} MiB; redis used_memory "
                f"{int(cache.connection().info('memory')['used_memory']) / 2**20:.0f} MiB"
            )
            results[size] = r
        finally:
            sync.terminate()
            sync.wait(timeout=30)
            sandbox.terminate()
            sandbox.wait(timeout=30)
    if len(results) > 1:
        low, high = min(results), max(results)
        for key in ("overview / p95", "pods, all namespaces, page 1 p95"):
            ratio = results[high][key] / results[low][key]
            print(f"\n{key}: {high} pods / {low} pods = {ratio:.2f}x")
    cache.flush()


if __name__ == "__main__":
    main()
