"""Benchmark: what many communes on one installation cost a request and a provisioning,
against the demo's 2 communes, in the same run and a scratch database dropped at the end.

At each size of BENCH_SIZES (2, 200 then BENCH_COMMUNES, 1,000 by default) it prints:
- provisioning one more commune (schema copied from the template, administrator,
  invitation: tenants/schema_template.py): median [min–max] of BENCH_PROVISIONS; and with
  the template set aside (every migration run, the fallback and what it cost before):
  median of BENCH_MIGRATE_PROVISIONS; and django-tenants' own CloneSchema (the
  TENANT_BASE_SCHEMA way) of the same template, once, rolled back;
- the parent's planning page of Clairoix through gunicorn (bench_pages' server: 2 workers ×
  4 threads, DEBUG off), p50 at c=1 and req/s at c=8 over BENCH_ROUNDS rounds, with the
  floors measured in the same run (floor0: a static page outside any commune, floor1: the
  same under /Clairoix/); gunicorn is started afresh at each size.
Then the ratios of the planning page (raw and ÷floor1) against the first size, the aims of
issue 16 (provisioning ≤ 1 s, a request within 10 %), and one JSON line. Asserts nothing.

The extra communes are clones of a migrated commune's schema (bench_migrate's pg_dump
replayed by psql), BENCH_CLONE_JOBS streams at once.

    .venv/bin/python tests/benchmarks/bench_communes.py
    BENCH_COMMUNES=200 BENCH_ROUNDS=2 .venv/bin/python tests/benchmarks/bench_communes.py
"""

import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
_server, _base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau").rsplit(
    "/", 1
)
os.environ["BENCH_DATABASE"] = f"{_base}_bench_communes"
os.environ.setdefault("BENCH_PORT", "8616")  # not bench_pages' port
# The planning page rendered at each request, not served again from the page cache: what
# the number of communes could slow down is the page's queries (gunicorn inherits this).
os.environ["PAGE_CACHE"] = "false"

# bench_pages sets the production-like environment of its gunicorn (settings_bench, DEBUG
# off); bench_migrate then points DATABASE_URL at this bench's database.
from tests.benchmarks import bench_pages as pages  # noqa: E402, I001
from tests.benchmarks import bench_migrate as base  # noqa: E402
from tests.benchmarks import harness  # noqa: E402

MANY = int(os.environ.get("BENCH_COMMUNES", "1000"))
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", f"2,200,{MANY}").split(",")]
PROVISIONS = int(os.environ.get("BENCH_PROVISIONS", "5"))
MIGRATE_PROVISIONS = int(os.environ.get("BENCH_MIGRATE_PROVISIONS", "3"))
CLONE_JOBS = int(os.environ.get("BENCH_CLONE_JOBS", "3"))
# Schemas a transaction: each takes ~450 locks, and the server's whole lock table holds
# max_locks_per_transaction (64) × max_connections (100) by default, for every session.
CLONE_BATCH = int(os.environ.get("BENCH_CLONE_BATCH", "1"))
MEASURED = ("floor0", "floor1", "planning")
DT_CLONE_TIMEOUT = int(os.environ.get("BENCH_DT_CLONE_TIMEOUT", "300"))  # seconds


def clone_up_to(bench, count):
    """bench_migrate's cloning, CLONE_JOBS psql streams at once."""
    from tenants.models import Commune

    missing = count - Commune.objects.exclude(schema_name="public").count()
    if missing <= 0:
        return
    dump = bench.template_dump()
    first = Commune.objects.filter(schema_name__startswith="c_clone").count()
    names = [f"c_clone{first + i:05d}" for i in range(missing)]
    batches = [names[i : i + CLONE_BATCH] for i in range(0, len(names), CLONE_BATCH)]

    def replay(batch):
        script = "".join(dump.replace(base.TEMPLATE_SCHEMA, name) for name in batch)
        clone = subprocess.run(
            ["psql", "-q", "-1", "-v", "ON_ERROR_STOP=1", f"{base.SERVER}/{base.BENCH_DB}"],
            input=script, capture_output=True, text=True,
            env={**os.environ, "PGOPTIONS": "-c synchronous_commit=off"},
        )  # fmt: skip
        if clone.returncode != 0:
            raise SystemExit(f"cloning failed: {clone.stderr[-2000:]}")

    with ThreadPoolExecutor(CLONE_JOBS) as pool:
        list(pool.map(replay, batches))
    base.register_clones(names)


def provision_by_migrating(bench) -> float:
    """One provisioning with the template set aside: the fallback, every migration run."""
    from tenants import schema_template

    current = schema_template.template_is_current
    schema_template.template_is_current = lambda **kwargs: False
    try:
        return bench.provision()
    finally:
        schema_template.template_is_current = current


def django_tenants_clone() -> float | None:
    """django-tenants' CloneSchema (TENANT_BASE_SCHEMA's copy) of the template, rolled
    back; None when it takes longer than DT_CLONE_TIMEOUT."""
    from django.db import OperationalError, connection, transaction
    from django_tenants.clone import CloneSchema

    from tenants.schema_template import TEMPLATE_SCHEMA

    class Undo(Exception):
        pass

    started = time.perf_counter()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = '{DT_CLONE_TIMEOUT}s'")
            CloneSchema().clone_schema(TEMPLATE_SCHEMA, "c_dtclone", "DATA")
            elapsed = time.perf_counter() - started
            raise Undo
    except Undo:
        return elapsed
    except OperationalError:
        return None
    finally:
        connection.set_schema_to_public()


def measure_pages() -> dict:
    log = open(ROOT / "var" / "bench-communes-gunicorn.log", "ab")  # noqa: SIM115
    server = harness.start_server(pages.PORT, log)
    try:
        cookies = pages.log_in()
        for name in MEASURED:  # warm every worker and thread
            headers = {"Cookie": cookies} if name in pages.LOGGED_IN else {}
            conn = pages.http.client.HTTPConnection("127.0.0.1", pages.PORT, timeout=30)
            for _ in range(pages.CONCURRENCY):
                status, body, _response = pages.get(conn, pages.PAGES[name], headers)
                pages.check(name, status, body)
        p50 = {name: [] for name in MEASURED}
        rps = {name: [] for name in MEASURED}
        for _round in range(pages.ROUNDS):
            for name in MEASURED:
                headers = {"Cookie": cookies} if name in pages.LOGGED_IN else {}
                p50[name].append(pages.serial(name, headers))
                rps[name].append(pages.parallel(name, headers))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return {"p50": p50, "rps": rps}


def spread(values, scale=1000.0, digits=0) -> str:
    return pages.spread(values, scale, digits)


def main():
    started = time.monotonic()
    pages.BENCH_DATABASE = base.BENCH_DB
    pages.build_database()  # migrate (the template with it) + the demo communes
    from django.db import connection

    from config.celery import app as celery_app
    from tenants.models import Commune

    bench = base.Bench()
    rows = []
    try:
        for size in SIZES:
            built = time.monotonic()
            clone_up_to(bench, size)
            built = time.monotonic() - built
            connection.set_schema_to_public()
            row = {"communes": Commune.objects.exclude(schema_name="public").count()}
            row["built_s"] = round(built, 1)
            row["load"] = os.getloadavg()[0]
            row["provision"] = [bench.provision() for _ in range(PROVISIONS)]
            row["provision_migrate"] = [
                provision_by_migrating(bench) for _ in range(MIGRATE_PROVISIONS)
            ]
            row["dt_clone"] = django_tenants_clone()
            connection.close()  # no connection held while gunicorn runs
            row |= measure_pages()
            row["load"] = max(row["load"], os.getloadavg()[0])
            rows.append(row)
            print_row(row, rows[0])
    finally:
        connection.close()
        celery_app.control.purge()
        base.admin(f"DROP DATABASE IF EXISTS {base.BENCH_DB} WITH (FORCE)")
    print_json(rows)
    print(f"(total {time.monotonic() - started:.0f} s)")


def print_row(row, first):
    n = row["communes"]
    median = statistics.median
    print(f"\n--- {n} communes ({row['built_s']:.0f} s to build; load average ≤ {row['load']:.1f})")
    aim = "aim ≤ 1 s"
    print(
        f"provisioning, copied from the template: {spread(row['provision'])} ms"
        f" over {len(row['provision'])} ({aim};"
        f" ×{median(row['provision']) / median(first['provision']):.2f} vs {first['communes']})"
    )
    if row["provision_migrate"]:
        print(
            f"provisioning, every migration run:      {spread(row['provision_migrate'])} ms"
            f" over {len(row['provision_migrate'])}"
        )
    dt_clone = row["dt_clone"]
    dt_clone = f"{dt_clone * 1000:.0f} ms" if dt_clone else f"over {DT_CLONE_TIMEOUT} s"
    print(f"django-tenants' CloneSchema of the template (one, rolled back): {dt_clone}")
    for name in MEASURED:
        print(
            f"{name:<9} p50 {spread(row['p50'][name], 1000, 1):>20} ms"
            f"   req/s c=8 {spread(row['rps'][name], 1, 1):>20}"
        )
    planning, floor1 = median(row["p50"]["planning"]), median(row["p50"]["floor1"])
    base_planning = median(first["p50"]["planning"])
    base_ratio = base_planning / median(first["p50"]["floor1"])
    print(
        f"planning ÷ floor1: {planning / floor1:.2f}"
        f"  (×{(planning / floor1) / base_ratio:.2f} vs {first['communes']} communes;"
        f" raw p50 ×{planning / base_planning:.2f}; aim ×1.10 at most)",
        flush=True,
    )


def print_json(rows):
    median = statistics.median
    result = {"bench": "communes", "sizes": []}
    for row in rows:
        result["sizes"].append(
            {
                "communes": row["communes"],
                "load_average_max": round(row["load"], 1),
                "provision_ms": round(median(row["provision"]) * 1000),
                "provision_ms_range": [
                    round(min(row["provision"]) * 1000),
                    round(max(row["provision"]) * 1000),
                ],
                "provision_migrate_ms": (
                    round(median(row["provision_migrate"]) * 1000)
                    if row["provision_migrate"]
                    else None
                ),
                "django_tenants_clone_ms": (
                    round(row["dt_clone"] * 1000) if row["dt_clone"] else None
                ),
                "p50_ms": {k: round(median(v) * 1000, 2) for k, v in row["p50"].items()},
                "rps_c8": {k: round(median(v), 1) for k, v in row["rps"].items()},
            }
        )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
