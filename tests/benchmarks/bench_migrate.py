"""Benchmark: `migrate` and provisioning with 2, 200 and 1,000 communes present, in a scratch
database dropped at the end. Prints figures and ratios against the 2-communes baseline
taken in the same run; asserts nothing about time.

At each size it prints:
- a no-op `migrate` over every schema (what an upgrade without new migrations costs), with
  the up-to-date schemas skipped (tenants/migration.py), and, up to SERIAL_MAX communes,
  without the skip (Django's migrate in every schema, django-tenants' standard executor:
  what it cost before);
- a pass with a migration pending in SAMPLE schemas, serial then parallel
  (django-tenants' multiprocessing executor): Django's whole migrate runs in each, which
  is what a one-column migration costs per schema; times N / SAMPLE, the pass over all;
- provisioning one commune (median of 3).

The extra communes are clones of a migrated commune's schema (pg_dump once, replayed under
new names by psql, 10 a transaction), so that building 1,000 takes minutes,
not hours.

    make bench                                  # 2, 200, 1000
    BENCH_SIZES=2,200 .venv/bin/python tests/benchmarks/bench_migrate.py
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau")
SERVER, BASE_DB = base_url.rsplit("/", 1)
BENCH_DB = os.environ.get("BENCH_DATABASE", f"{BASE_DB}_bench_migrate")
os.environ["DATABASE_URL"] = f"{SERVER}/{BENCH_DB}"
# The invitations queued by provisioning go to the configured broker under a key prefix of
# their own (a queue no worker consumes), purged at the end.
os.environ["CELERY_BROKER_KEY_PREFIX"] = "preau-bench:"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402
import psycopg  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "2,200,1000").split(",")]
SAMPLE = int(os.environ.get("BENCH_SAMPLE", "40"))
SERIAL_MAX = int(os.environ.get("BENCH_SERIAL_MAX", "200"))
TEMPLATE_SCHEMA = "c_gabaritbench"
CLONE_BATCH = 10  # schemas a transaction (each takes ~200 locks)


def admin(statement):
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


class Bench:
    def __init__(self):
        from django.core.management import call_command

        from tenants.services import create_commune

        self.call_command = call_command
        self.create_commune = create_commune
        self.counter = 0
        self.dump = None

    def provision(self) -> float:
        self.counter += 1
        n = self.counter
        return timed(
            self.create_commune,
            name=f"Commune {n}",
            slug=f"Commune-{n}",
            contact_email=f"mairie{n}@bench.test",
            admin_email=f"admin{n}@bench.test",
        )

    def template_dump(self) -> str:
        if self.dump is None:
            self.create_commune(
                name="Gabarit",
                slug="Gabaritbench",
                contact_email="mairie@gabarit.test",
                admin_email="admin@gabarit.test",
            )
            self.dump = subprocess.run(
                ["pg_dump", "--no-owner", "--no-privileges", "-n", TEMPLATE_SCHEMA,
                 f"{SERVER}/{BENCH_DB}"],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
        return self.dump

    def clone_up_to(self, count):
        """Add communes whose schemas are copies of the template, up to `count` communes."""
        from tenants.models import Commune, Domain

        dump = self.template_dump()
        missing = count - Commune.objects.count()
        first = Commune.objects.filter(schema_name__startswith="c_clone").count()
        names = [f"c_clone{first + i:05d}" for i in range(missing)]
        for start in range(0, len(names), CLONE_BATCH):
            script = "".join(
                dump.replace(TEMPLATE_SCHEMA, name) for name in names[start : start + CLONE_BATCH]
            )
            clone = subprocess.run(
                ["psql", "-q", "-1", "-v", "ON_ERROR_STOP=1", f"{SERVER}/{BENCH_DB}"],
                input=script, capture_output=True, text=True,
                env={**os.environ, "PGOPTIONS": "-c synchronous_commit=off"},
            )  # fmt: skip
            if clone.returncode != 0:
                sys.exit(f"cloning failed: {clone.stderr[-2000:]}")
        communes = Commune.objects.bulk_create(
            Commune(
                schema_name=name,
                name=name,
                slug=name.removeprefix("c_").capitalize(),
                contact_email=f"{name}@bench.test",
                title=name,
            )
            for name in names
        )
        Domain.objects.bulk_create(
            Domain(domain=c.slug.lower(), tenant=c, is_primary=True) for c in communes
        )

    def noop_migrate(self, *, skip=True) -> float:
        os.environ["PREAU_MIGRATE_SKIP_UP_TO_DATE"] = "1" if skip else "0"
        if not skip:
            os.environ["EXECUTOR"] = "standard"
        try:
            return timed(self.call_command, "migrate", verbosity=0, interactive=False)
        finally:
            os.environ.pop("PREAU_MIGRATE_SKIP_UP_TO_DATE", None)
            os.environ.pop("EXECUTOR", None)

    def pending_in_sample(self, executor) -> tuple[float, int]:
        """Migrate with SAMPLE schemas treated as having a migration pending."""
        from tenants import migration
        from tenants.models import Commune

        schemas = list(
            Commune.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
        )
        pending = set(schemas[-SAMPLE:])
        real = migration.up_to_date_schemas
        migration.up_to_date_schemas = lambda names, using="default": {
            name for name in real(names, using=using) if name not in pending
        }
        os.environ["EXECUTOR"] = executor
        try:
            return timed(self.call_command, "migrate", verbosity=0, interactive=False), len(pending)
        finally:
            migration.up_to_date_schemas = real
            os.environ.pop("EXECUTOR", None)


def main():
    admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    admin(f"CREATE DATABASE {BENCH_DB}")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from config.celery import app as celery_app
    from tenants.models import Commune

    call_command("migrate", verbosity=0)
    bench = Bench()
    rows = []
    try:
        bench.provision()
        bench.provision()
        for size in SIZES:
            if Commune.objects.count() < size:
                bench.clone_up_to(size)
            present = Commune.objects.exclude(schema_name="public").count()
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_class")
                catalog = cursor.fetchone()[0]
            row = {"communes": present, "pg_class": catalog}
            row["noop_skip"] = bench.noop_migrate(skip=True)
            row["noop_full"] = bench.noop_migrate(skip=False) if present <= SERIAL_MAX else None
            serial, sample = bench.pending_in_sample("standard")
            parallel, _ = bench.pending_in_sample("multiprocessing")
            row["per_schema_serial"] = serial / sample
            row["per_schema_parallel"] = parallel / sample
            row["provision"] = statistics.median(bench.provision() for _ in range(3))
            rows.append(row)
            print_row(row, rows[0])
    finally:
        connection.close()
        celery_app.control.purge()
        admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def print_row(row, base):
    n = row["communes"]
    full = f"{row['noop_full']:.1f} s" if row["noop_full"] is not None else "not run"
    print(f"--- {n} communes ({row['pg_class']} rows in pg_class)", flush=True)
    print(
        f"no-op migrate, up-to-date schemas skipped: {row['noop_skip']:.2f} s"
        f"  (×{row['noop_skip'] / base['noop_skip']:.2f} vs {base['communes']})"
    )
    print(f"no-op migrate, Django's migrate in every schema (serial): {full}")
    for kind in ("serial", "parallel"):
        per = row[f"per_schema_{kind}"]
        print(
            f"pending migration, {kind}: {per * 1000:.0f} ms a schema"
            f"  → {per * n:.0f} s for all {n}"
            f"  (×{per / base[f'per_schema_{kind}']:.2f} a schema vs {base['communes']})"
        )
    print(
        f"provision one commune: median {row['provision']:.3f} s"
        f"  (×{row['provision'] / base['provision']:.2f} vs {base['communes']})",
        flush=True,
    )


if __name__ == "__main__":
    main()
