"""Audit log at size: fills a PostgreSQL database with 1M chained events (COPY, in batches)
and measures the review page's server time through the whole Django stack.

    .venv/bin/python bench/audit_bench.py              # fill to 1M (once), then measure
    .venv/bin/python bench/audit_bench.py --events 200000 --requests 100

It uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/opsconsole_bench), created and migrated if missing; a
second run reuses the rows. Targets (issue 5): p95 <= 50 ms for a filtered newest page,
p95 <= 200 ms for a substring search. Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opsconsole_bench"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsconsole.settings")
# Production settings, so nothing (DEBUG query logging) skews the numbers.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
os.environ.setdefault("AUDIT_CHECKPOINT_KEY", secrets.token_urlsafe(48))
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("LOG_LEVEL", "WARNING")

VERBS = [
    ("auth.sign_in", 25),
    ("auth.sign_out", 18),
    ("auth.sign_in_failed", 5),
    ("auth.denied", 2),
    ("deployment.scale", 8),
    ("deployment.restart", 8),
    ("deployment.deploy_image", 6),
    ("deployment.rollback", 2),
    ("run.launch_training", 5),
    ("run.launch_backtest", 6),
    ("run.launch_dataset_download", 3),
    ("run.cancel", 1),
    ("silence.create", 3),
    ("silence.expire", 2),
    ("users.change_role", 1),
    ("audit.export", 1),
    ("audit.sign_off", 1),
]
NAMESPACES = [("trading-system", 70), ("staging", 15), ("monitoring", 10), ("ml-training", 5)]
DEPLOYMENTS = [
    "trading-engine",
    "api-service",
    "ml-service",
    "data-pipeline",
    "risk-engine",
    "order-router",
    "market-data-feed",
    "portfolio-service",
    "backtest-runner",
    "feature-store",
    "redis",
    "rabbitmq",
    "prometheus",
    "grafana",
    "postgres",
    "alertmanager",
    "execution-gateway",
    "pnl-aggregator",
    "strategy-sandbox",
    "model-registry",
    "notification-service",
    "ingest-worker",
    "scheduler",
    "reporting-api",
    "fix-gateway",
    "quote-cache",
    "position-keeper",
    "ledger",
    "compliance-monitor",
    "signal-generator",
]
ACTORS = [
    f"{name}"
    for name in (
        "ada",
        "otto",
        "vera",
        "nina",
        "carl",
        "jonas",
        "mira",
        "lena",
        "tariq",
        "sven",
        "ines",
        "paolo",
        "yuki",
        "rahul",
        "eva",
        "bruno",
        "lisa",
        "omar",
        "greta",
        "felix",
        "hana",
        "ivan",
        "julia",
        "kofi",
        "lars",
        "maya",
        "nils",
        "olga",
        "pia",
        "quinn",
        "rosa",
        "sami",
        "tina",
        "umar",
        "vik",
        "wen",
        "xena",
        "yara",
        "zeno",
        "ben",
    )
]
REASONS = [
    "latency spike",
    "rollout stuck",
    "memory pressure",
    "new model",
    "load test",
    "market open",
    "hotfix",
    "weekly retrain",
    "scale down after close",
    "incident",
]


def ensure_database() -> None:
    import psycopg

    url = urlparse(BENCH_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def generate(start_hash: str, start_time: datetime, count: int, seed: int) -> Any:
    """Rows in chain order up to now, each hashed exactly as record() would."""
    from opsconsole.audit.canonical import event_hash

    rng = random.Random(seed)
    step = max(datetime.now(UTC) - start_time, timedelta(seconds=count)) / max(count, 1)
    previous = start_hash
    for i in range(count):
        verb = weighted(rng, VERBS)
        actor = rng.choice(ACTORS)
        row: dict[str, Any] = {
            "time": start_time + step * i,
            "actor_name": actor,
            "role": rng.choice(("viewer", "operator", "operator", "admin")),
            "source_ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            "request_id": secrets.token_hex(16),
            "verb": verb,
            "target_kind": "",
            "target_namespace": "",
            "target_name": "",
            "parameters": {},
            "before": None,
            "after": None,
            "outcome": "succeeded",
            "reason": "",
            "operator_reason": "",
            "related_kind": "",
            "related_id": "",
        }
        area = verb.split(".")[0]
        if area == "auth" or verb == "users.change_role":
            row["target_kind"], row["target_name"] = "user", actor
            if verb in ("auth.sign_in_failed", "auth.denied"):
                row["outcome"], row["reason"] = "denied", "wrong user name or password"
        elif area in ("deployment", "run", "silence"):
            row["target_kind"] = {"deployment": "deployment", "run": "job", "silence": "silence"}[
                area
            ]
            row["target_namespace"] = weighted(rng, NAMESPACES)
            row["target_name"] = rng.choice(DEPLOYMENTS)
            replicas = rng.randrange(1, 12)
            row["parameters"] = {"replicas": replicas, "dry_run": False}
            row["before"], row["after"] = {"replicas": replicas - 1}, {"replicas": replicas}
            row["operator_reason"] = f"OPS-{rng.randrange(1000, 10000)} {rng.choice(REASONS)}"
            row["related_kind"], row["related_id"] = "action", str(rng.randrange(1, 200_000))
            row["outcome"] = rng.choices(
                ("requested", "succeeded", "failed", "denied"), weights=(30, 60, 7, 3)
            )[0]
            if row["outcome"] == "failed":
                row["reason"] = "Kubernetes API answered 409 Conflict"
        row["prev_hash"] = previous
        row["hash"] = previous = event_hash(row)
        yield row


def fill(target: int, batch: int) -> None:
    from django.db import connection

    from opsconsole.audit.canonical import GENESIS, HASHED_FIELDS
    from opsconsole.audit.models import AuditEvent

    fields = (*HASHED_FIELDS, "hash")  # the columns the chain covers, plus the hash itself
    have = AuditEvent.objects.count()
    if have >= target:
        print(f"{have} events already there")
        return
    head = AuditEvent.objects.order_by("-id").first()
    start_hash = head.hash if head else GENESIS
    missing = target - have
    now = datetime.now(UTC)
    start_time = now - timedelta(days=365)
    if head and head.time > start_time:
        start_time = head.time + timedelta(microseconds=1)
    print(f"filling {missing} events (COPY in batches of {batch}) ...", flush=True)
    began = time.perf_counter()
    rows = generate(start_hash, start_time, missing, seed=have)
    done = 0
    while done < missing:
        n = min(batch, missing - done)
        with connection.cursor() as django_cursor:
            raw = django_cursor.cursor
            with raw.copy(f"COPY audit_auditevent ({', '.join(fields)}) FROM STDIN") as copy:
                for _ in range(n):
                    row = next(rows)
                    copy.write_row(
                        [
                            json.dumps(row[f])
                            if f in ("parameters", "before", "after") and row[f] is not None
                            else row[f]
                            for f in fields
                        ]
                    )
        done += n
        rate = done / (time.perf_counter() - began)
        print(f"  {have + done} events ({rate:,.0f}/s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audit_auditevent")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(requests: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from opsconsole.accounts.users import save_user
    from opsconsole.audit.models import AuditEvent

    user, _ = save_user("bench-viewer", "viewer", secrets.token_urlsafe(24), actor_name="bench")
    client = Client()
    client.force_login(user)
    total = AuditEvent.objects.count()
    cases = [
        (
            "filtered newest page: verb + namespace",
            "verb=deployment.scale&namespace=trading-system",
            50,
        ),
        ("filtered newest page: actor + outcome", "actor=otto&outcome=failed", 50),
        ("unfiltered newest page", "", 50),
        ("substring search, rare (a ticket)", "q=ops-4711", 200),
        ("substring search, common (a name)", "q=risk-engine", 200),
        ("substring search + filter", "q=latency&namespace=staging", 200),
        ("substring search, no match", "q=zz-no-such-thing", 200),
    ]
    print(
        f"\n{total:,} events; {requests} requests per case; htmx fragment (what a filter "
        "change fetches), through every middleware"
    )
    print(f"{'case':<42} {'rows':>5} {'p50 ms':>8} {'p95 ms':>8} {'sql p50':>8} {'target':>8}")
    cases.insert(
        1, ("the same, full page (a reload)", "verb=deployment.scale&namespace=trading-system", 50)
    )
    for label, query, target in cases:
        url = f"/audit/?{query}"
        headers = {} if label.startswith("the same, full") else {"HX-Request": "true"}
        for _ in range(3):  # warm caches and connections
            client.get(url, headers=headers)
        samples, sql = [], []
        for _ in range(requests):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(url, headers=headers)
                samples.append((time.perf_counter() - began) * 1000)
            sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
            assert response.status_code == 200, response.status_code
        rows = response.content.count(b'<tr class="')
        p50, p95 = percentile(samples, 0.5), percentile(samples, 0.95)
        mark = "ok" if p95 <= target else "SLOW"
        print(
            f"{label:<42} {rows:>5} {p50:>8.1f} {p95:>8.1f} {percentile(sql, 0.5):>8.1f} "
            f"{target:>5} {mark}"
        )
    # A deep page: the keyset cursor costs the same as the first page.
    url = "/audit/?verb=deployment.scale&namespace=trading-system"
    for _ in range(20):
        body = client.get(url, headers={"HX-Request": "true"}).content.decode()
        start = body.find("older=")
        url = "/audit/?" + body[body.find("verb=", start - 80) : body.find('"', start)].replace(
            "&amp;", "&"
        )
    samples = []
    for _ in range(requests):
        began = time.perf_counter()
        client.get(url, headers={"HX-Request": "true"})
        samples.append((time.perf_counter() - began) * 1000)
    print(
        f"{'the same filter, 21st page (keyset cursor)':<42} {'':>5} "
        f"{percentile(samples, 0.5):>8.1f} {percentile(samples, 0.95):>8.1f} {50:>5}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--batch", type=int, default=50_000)
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    fill(args.events, args.batch)
    measure(args.requests)


if __name__ == "__main__":
    main()
