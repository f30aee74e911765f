"""Benchmark: `migrate` and provisioning with 2, 200 and 1,000 communes present, in a scratch
database dropped at the end. Prints figures and ratios against the 2-communes baseline
taken in the same run, then one JSON line; asserts nothing about time.

At each size it prints:
- a no-op `migrate` over every schema (what an upgrade without new migrations costs), with
  the up-to-date schemas skipped (tenants/migration.py), and, up to SERIAL_MAX communes,
  without the skip (Django's migrate in every schema, django-tenants' standard executor:
  what it cost before);
- a one-column migration (tests/tenants/migtest's 0002_sample_code: a column with a
  default and an index; settings in settings_migrate.py) made pending again by dropping its
  column and its django_migrations row:
  - in SAMPLE schemas, by Django's migrate in each, serial then parallel (django-tenants'
    multiprocessing executor, TENANT_MIGRATE_PROCESSES processes): times N / SAMPLE;
  - in every schema, by the replay (tenants/migration_replay.py: Django's migrate in one
    schema, its SQL replayed in the others): the pass over all, measured;
  after each pass every schema is checked up to date;
- provisioning one commune (median of BENCH_PROVISIONS, 3).

The extra communes are clones of a migrated commune's schema (pg_dump once, replayed under
new names by psql, 5 a transaction), so that building 1,000 takes minutes,
not hours.

    make bench                                  # 2, 200, 1000
    BENCH_SIZES=2,200 .venv/bin/python tests/benchmarks/bench_migrate.py
"""

import json
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
SAMPLE = int(os.environ.get("BENCH_SAMPLE", "20"))
SERIAL_MAX = int(os.environ.get("BENCH_SERIAL_MAX", "200"))
PROVISIONS = int(os.environ.get("BENCH_PROVISIONS", "3"))  # provisionings a size (median)
TEMPLATE_SCHEMA = "c_gabaritbench"
# Schemas a transaction (each takes ~250 locks, out of a lock table the server shares with
# every session); a batch refused for want of locks is retried one schema at a time.
CLONE_BATCH = int(os.environ.get("BENCH_CLONE_BATCH", "5"))


def admin(statement):
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


def register_clones(names):
    """The Commune and Domain rows of schemas cloned under `names` (no schema is created)."""
    from tenants.models import Commune, Domain

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
        from tenants.models import Commune

        dump = self.template_dump()
        missing = count - Commune.objects.count()
        first = Commune.objects.filter(schema_name__startswith="c_clone").count()
        names = [f"c_clone{first + i:05d}" for i in range(missing)]
        for start in range(0, len(names), CLONE_BATCH):
            batch = names[start : start + CLONE_BATCH]
            error = self.clone(dump, batch)
            if error and "out of shared memory" in error:
                error = next(filter(None, (self.clone(dump, [name]) for name in batch)), None)
            if error:
                sys.exit(f"cloning failed: {error[-2000:]}")
        register_clones(names)

    def clone(self, dump, names) -> str | None:
        """Replay the template's dump under each of `names`, in one transaction; the error."""
        script = "".join(dump.replace(TEMPLATE_SCHEMA, name) for name in names)
        clone = subprocess.run(
            ["psql", "-q", "-1", "-v", "ON_ERROR_STOP=1", f"{SERVER}/{BENCH_DB}"],
            input=script, capture_output=True, text=True,
            env={**os.environ, "PGOPTIONS": "-c synchronous_commit=off"},
        )  # fmt: skip
        return clone.stderr if clone.returncode != 0 else None

    def noop_migrate(self, *, skip=True) -> float:
        os.environ["PREAU_MIGRATE_SKIP_UP_TO_DATE"] = "1" if skip else "0"
        if not skip:
            os.environ["EXECUTOR"] = "standard"
        try:
            return timed(self.call_command, "migrate", verbosity=0, interactive=False)
        finally:
            os.environ.pop("PREAU_MIGRATE_SKIP_UP_TO_DATE", None)
            os.environ.pop("EXECUTOR", None)

    def schemas(self) -> list[str]:
        from tenants.models import Commune

        return list(
            Commune.objects.exclude(schema_name="public")
            .order_by("schema_name")
            .values_list("schema_name", flat=True)
        )

    def unapply(self, schemas):
        """Make the one-column migration pending again in `schemas`."""
        from django.db import connection, transaction

        app, name = MIGRATION
        with connection.cursor() as cursor:
            for start in range(0, len(schemas), 100):
                with transaction.atomic():
                    for schema in schemas[start : start + 100]:
                        cursor.execute(f'ALTER TABLE "{schema}".migtest_sample DROP COLUMN code')
                        cursor.execute(
                            f'DELETE FROM "{schema}".django_migrations'  # noqa: S608
                            " WHERE app = %s AND name = %s",
                            [app, name],
                        )

    def pending(self, schemas, *, replay, executor=None) -> float:
        """Migrate with the one-column migration pending in `schemas`; check it applied."""
        from tenants import migration

        self.unapply(schemas)
        os.environ["PREAU_MIGRATE_REPLAY"] = "1" if replay else "0"
        if executor:
            os.environ["EXECUTOR"] = executor
        try:
            elapsed = timed(self.call_command, "migrate", verbosity=0, interactive=False)
        finally:
            os.environ.pop("PREAU_MIGRATE_REPLAY", None)
            os.environ.pop("EXECUTOR", None)
        everyone = self.schemas()
        behind = set(everyone) - migration.up_to_date_schemas(everyone)
        if behind:
            sys.exit(f"{len(behind)} schema(s) not migrated: {sorted(behind)[:5]}")
        return elapsed


MIGRATION = ("migtest", "0002_sample_code")


def main():
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.benchmarks.settings_migrate"
    admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    admin(f"CREATE DATABASE {BENCH_DB}")
    django.setup()
    from django.conf import settings
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
                cloned = timed(bench.clone_up_to, size)
                print(f"cloned up to {size} communes in {cloned:.0f} s", flush=True)
            schemas = bench.schemas()
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_class")
                catalog = cursor.fetchone()[0]
            row = {"communes": len(schemas), "pg_class": catalog}
            row["noop_skip"] = bench.noop_migrate(skip=True)
            full = len(schemas) <= SERIAL_MAX
            row["noop_full"] = bench.noop_migrate(skip=False) if full else None
            sample = schemas[-SAMPLE:]
            row["sample"] = len(sample)
            serial = bench.pending(sample, replay=False, executor="standard")
            parallel = bench.pending(sample, replay=False, executor="multiprocessing")
            row["per_schema_serial"] = serial / len(sample)
            row["per_schema_parallel"] = parallel / len(sample)
            row["processes"] = settings.TENANT_MULTIPROCESSING_MAX_PROCESSES
            row["replay_all"] = bench.pending(schemas, replay=True)
            row["provision"] = statistics.median(bench.provision() for _ in range(PROVISIONS))
            row["load_average"] = [round(load, 1) for load in os.getloadavg()]
            rows.append(row)
            print_row(row, rows[0])
    finally:
        connection.close()
        celery_app.control.purge()
        admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    print(json.dumps({"bench": "migrate", "rows": [rounded(row) for row in rows]}), flush=True)


def rounded(row):
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}


def print_row(row, base):
    n = row["communes"]
    full = f"{row['noop_full']:.1f} s" if row["noop_full"] is not None else "not run"
    load = ", ".join(f"{x:.1f}" for x in row["load_average"])
    print(f"--- {n} communes ({row['pg_class']} rows in pg_class; load average {load})")
    print(
        f"no-op migrate, up-to-date schemas skipped: {row['noop_skip']:.2f} s"
        f"  (×{row['noop_skip'] / base['noop_skip']:.2f} vs {base['communes']})"
    )
    print(f"no-op migrate, Django's migrate in every schema (serial): {full}")
    print("one-column migration pending in every commune:")
    for kind, label in (
        ("serial", "Django's migrate in each, serial"),
        ("parallel", f"Django's migrate in each, parallel ({row['processes']} processes)"),
    ):
        per = row[f"per_schema_{kind}"]
        print(
            f"  {label}: {per * 1000:.0f} ms a schema (over {row['sample']})"
            f"  → ≈ {per * n:.0f} s for all {n}"
        )
    replay = row["replay_all"]
    print(
        f"  replay (Django's migrate in one, its SQL in the others): {replay:.1f} s for all {n}"
        f" ({replay / n * 1000:.0f} ms a schema; ×{row['per_schema_serial'] * n / replay:.0f}"
        " faster than serial)"
    )
    print(
        f"provision one commune: median of {PROVISIONS} {row['provision']:.3f} s"
        f"  (×{row['provision'] / base['provision']:.2f} vs {base['communes']})",
        flush=True,
    )


if __name__ == "__main__":
    main()
