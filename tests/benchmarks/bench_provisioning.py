"""Benchmark: provisioning one commune (schema copied from the template, administrator,
invitation: tenants/schema_template.py) with few and with many communes already present, in
a scratch database. Prints figures and the ratio against the few-communes baseline taken in
the same run.

    make bench                       # 2 then 200 communes present
    BENCH_COMMUNES=50 make bench
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau")
os.environ["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/preau_bench"
os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/14"  # never the demo worker's queue
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402
import psycopg  # noqa: E402

SAMPLES = 5
MANY = int(os.environ.get("BENCH_COMMUNES", "200"))


def recreate_database():
    admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS preau_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE preau_bench")


def main():
    recreate_database()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from config.celery import app as celery_app
    from tenants.models import Commune
    from tenants.services import create_commune

    call_command("migrate", verbosity=0)
    counter = iter(range(1, 10_000))

    def provision() -> float:
        n = next(counter)
        started = time.perf_counter()
        create_commune(
            name=f"Commune {n}",
            slug=f"Commune-{n}",
            contact_email=f"mairie{n}@bench.test",
            admin_email=f"admin{n}@bench.test",
        )
        return time.perf_counter() - started

    provision()
    provision()
    few = [provision() for _ in range(SAMPLES)]
    few_present = Commune.objects.count() - SAMPLES
    while Commune.objects.count() < MANY:
        provision()
    many = [provision() for _ in range(SAMPLES)]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            [Commune.objects.latest("pk").schema_name],
        )
        tables = cursor.fetchone()[0]
    base, loaded = statistics.median(few), statistics.median(many)
    print(f"a commune schema has {tables} tables")
    print(f"provision one commune, {few_present} present:   median {base:.3f} s over {SAMPLES}")
    print(f"provision one commune, {MANY} present: median {loaded:.3f} s over {SAMPLES}")
    print(f"ratio many/few: {loaded / base:.2f}")
    celery_app.control.purge()


if __name__ == "__main__":
    main()
