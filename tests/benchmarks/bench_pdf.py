"""Benchmark: a document's PDF, in a scratch database dropped at the end. Per document:
the first download (render + store), a later download (served as stored) and two downloads
arriving at the same moment on a new document (renders counted: the advisory lock in
ledger.services.store_pdf makes it 1). Prints a table, the ratio served/rendered, and one
JSON line; median and range over the repeats. Asserts nothing about time.

    make bench
    BENCH_PDF_REPEATS=10 .venv/bin/python tests/benchmarks/bench_pdf.py
"""

import datetime
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau")
SERVER, BASE_DB = base_url.rsplit("/", 1)
BENCH_DB = f"{BASE_DB}_bench_pdf"
os.environ["DATABASE_URL"] = f"{SERVER}/{BENCH_DB}"
os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/14"  # never the demo worker's queue
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402
import psycopg  # noqa: E402

REPEATS = int(os.environ.get("BENCH_PDF_REPEATS", "5"))
DAY = datetime.date(2017, 12, 18)


def admin(sql):
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def spread(values):
    return f"{statistics.median(values):8.1f}  [{min(values):.1f} – {max(values):.1f}]"


def main():
    admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{BENCH_DB}"')
    try:
        run()
    finally:
        from django.db import connections

        connections.close_all()
        admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def run():
    django.setup()
    from django.core.management import call_command
    from django.db import connections, transaction
    from django_tenants.utils import schema_context

    from config.celery import app as celery_app
    from ledger import services
    from tenants.models import Commune
    from tests.factories import UserFactory
    from tests.ledger.factories import ServiceBookFactory, at, invoice, meal
    from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

    call_command("migrate", verbosity=0)
    commune = Commune(schema_name="c_bench", name="Bench", slug="Bench", contact_email="m@b.test")
    commune.save(verbosity=0)
    renders = []
    real_render = services.render_document

    def counting_render(document):
        renders.append(document.pk)
        return real_render(document)

    services.render_document = counting_render

    with schema_context(commune.schema_name):
        ServiceBookFactory()
        guardian = GuardianFactory(
            household=HouseholdFactory(name="BENCH"), user=UserFactory(email="b@b.test")
        )
        child = ChildFactory(household=guardian.household, first_name="Maxime")

        def new_document():
            with transaction.atomic():
                lines = [meal(child, DAY + datetime.timedelta(days=n)) for n in range(4)]
                return invoice(guardian, lines, issued_at=at(DAY))

        def timed(document):
            started = time.perf_counter()
            services.store_pdf(document)
            return (time.perf_counter() - started) * 1000

        first, stored, pair, pair_renders = [], [], [], []
        for _ in range(REPEATS):
            document = new_document()
            first.append(timed(document))
            stored.append(timed(document))

            document = new_document()
            before = len(renders)
            barrier = threading.Barrier(2)

            def download(document=document, barrier=barrier):
                try:
                    with schema_context(commune.schema_name):
                        barrier.wait()
                        services.store_pdf(document)
                finally:
                    connections.close_all()

            started = time.perf_counter()
            threads = [threading.Thread(target=download) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            pair.append((time.perf_counter() - started) * 1000)
            pair_renders.append(len(renders) - before)

    print(f"PDF, {REPEATS} repeats (ms: median [min – max])")
    print(f"  first download (render + store)   {spread(first)}")
    print(f"  later download (stored)            {spread(stored)}")
    print(f"  two simultaneous first downloads   {spread(pair)}")
    print(f"  renders per document, two at once  {max(pair_renders)} (max over repeats)")
    ratio = statistics.median(stored) / statistics.median(first)
    print(f"  ratio stored / first               {ratio:.3f}")
    print(
        json.dumps(
            {
                "bench": "pdf",
                "repeats": REPEATS,
                "first_ms": {
                    "median": statistics.median(first),
                    "min": min(first),
                    "max": max(first),
                },
                "stored_ms": {
                    "median": statistics.median(stored),
                    "min": min(stored),
                    "max": max(stored),
                },
                "pair_ms": {"median": statistics.median(pair), "min": min(pair), "max": max(pair)},
                "renders_per_document_two_at_once": max(pair_renders),
                "ratio_stored_first": ratio,
            }
        )
    )
    celery_app.control.purge()


if __name__ == "__main__":
    main()
