"""Benchmark: "Consultation compte" and "Consultation factures" for a household with 10
documents (the baseline, measured in the same run) and one with 5,000 documents over 10
years, for the default 30-day period and for the 10 years, in a scratch database dropped at
the end. Pages are requested in process (Django's test client, DEBUG off, logged-in
parent), the two households in turn at each repeat so that the machine's load drifts on
both alike; prints ms (median and range over the repeats), the 5,000 ÷ 10 ratio against
the issue 17 goal (≤ ×1,5), the page size, and one JSON line. Asserts nothing about time.

    make bench
    BENCH_STATEMENT_REPEATS=9 .venv/bin/python tests/benchmarks/bench_statements.py
"""

import datetime
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau")
SERVER, BASE_DB = base_url.rsplit("/", 1)
BENCH_DB = f"{BASE_DB}_bench_statements"
os.environ["DATABASE_URL"] = f"{SERVER}/{BENCH_DB}"
os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/14"  # never the demo worker's queue
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ["SECURE_COOKIES"] = "false"
# Each page rendered, as at its first view after a write: never served again from the page
# cache (bench_pages measures that), which would hide what 5,000 documents cost.
os.environ["PAGE_CACHE"] = "false"

import django  # noqa: E402
import psycopg  # noqa: E402

REPEATS = int(os.environ.get("BENCH_STATEMENT_REPEATS", "5"))
GOAL = 1.5


def admin(sql):
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def main():
    admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{BENCH_DB}"')
    try:
        run()
    finally:
        from django.db import connections

        connections.close_all()
        admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def household_with(guardian, book, count, today):
    """`count` one-meal invoices spread evenly over the 10 years before `today`, written in
    bulk with their lines in one transaction (the deferred total check runs at commit)."""
    from django.db import transaction

    from ledger import services
    from ledger.models import Account, Document, Line

    account, _ = Account.objects.get_or_create(household=guardian.household, service=book)
    span = 10 * 365 * 24 * 3600
    start = Document.objects.count() + 1
    moments = [
        datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC)
        - datetime.timedelta(seconds=span * n // count)
        for n in range(count)
    ]
    with transaction.atomic():
        documents = Document.objects.bulk_create(
            [
                Document(
                    kind=Document.Kind.INVOICE,
                    number=services.format_number("FA", moment.year, start + n),
                    year=moment.year,
                    sequence=start + n,
                    account=account,
                    issued_at=moment,
                    total=Decimal("4.70"),
                    author_name="Bench",
                    idempotency_key=f"bench-{guardian.pk}-{n}",
                    invoice_title=book.invoice_title,
                )
                for n, moment in enumerate(moments)
            ]
        )
        Line.objects.bulk_create(
            [
                Line(
                    document=document,
                    position=1,
                    child_name="Maxime",
                    day=document.issued_at.date(),
                    label="Repas",
                    unit_price=Decimal("4.70"),
                    amount=Decimal("4.70"),
                )
                for document in documents
            ]
        )


def run():
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from tenants.models import Commune
    from tests.factories import PASSWORD, UserFactory
    from tests.ledger.factories import ServiceBookFactory
    from tests.portal.factories import GuardianFactory, HouseholdFactory

    call_command("migrate", verbosity=0)
    commune = Commune(schema_name="c_bench", name="Bench", slug="Bench", contact_email="m@b.test")
    commune.save(verbosity=0)
    today = timezone.localdate()
    sizes = {"10": 10, "5000": 5000}
    clients = {}
    with schema_context(commune.schema_name):
        book = ServiceBookFactory()
        for label, count in sizes.items():
            email = f"parent{label}@bench.test"
            guardian = GuardianFactory(
                household=HouseholdFactory(name=f"BENCH{label}"), user=UserFactory(email=email)
            )
            household_with(guardian, book, count, today)
            clients[label] = (Client(), email)
    for client, email in clients.values():
        response = client.post("/Bench/", {"username": email, "password": PASSWORD}, secure=True)
        assert response.status_code == 302, response.status_code

    ten_years = {"du": (today - datetime.timedelta(days=3660)).isoformat(), "au": today.isoformat()}
    pages = {"compte": "compte", "factures": "factures"}
    periods = {"30 jours": None, "10 ans": ten_years}
    results = {}
    for page, path in pages.items():
        for period, query in periods.items():
            url = f"/Bench/reservations/{book.code}/{path}/"
            times = {label: [] for label in clients}
            sizes = {}
            for client, _ in clients.values():
                client.get(url, query or {}, secure=True)  # warm
            # The two households in turn, so that the machine's load drifts on both alike.
            for _ in range(REPEATS):
                for label, (client, _) in clients.items():
                    started = time.perf_counter()
                    response = client.get(url, query or {}, secure=True)
                    times[label].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.status_code
                    sizes[label] = len(response.content)
            for label in clients:
                results[(page, period, label)] = (times[label], sizes[label])

    print(f"Statements, {REPEATS} repeats (ms: median [min – max], page bytes)")
    summary = []
    for page in pages:
        for period in periods:
            small, small_size = results[(page, period, "10")]
            big, big_size = results[(page, period, "5000")]
            ratio = statistics.median(big) / statistics.median(small)
            print(
                f"  {page:9} {period:9} 10 docs {statistics.median(small):7.1f} "
                f"[{min(small):.1f} – {max(small):.1f}] {small_size:>9,} B   "
                f"5000 docs {statistics.median(big):7.1f} [{min(big):.1f} – {max(big):.1f}] "
                f"{big_size:>9,} B   ratio ×{ratio:.2f} (goal ≤ ×{GOAL})"
            )
            summary.append(
                {
                    "page": page,
                    "period": period,
                    "ms_10": {
                        "median": statistics.median(small),
                        "min": min(small),
                        "max": max(small),
                    },
                    "ms_5000": {"median": statistics.median(big), "min": min(big), "max": max(big)},
                    "bytes_10": small_size,
                    "bytes_5000": big_size,
                    "ratio": ratio,
                    "goal_met": ratio <= GOAL,
                }
            )
    print(json.dumps({"bench": "statements", "repeats": REPEATS, "pages": summary}))


if __name__ == "__main__":
    main()
