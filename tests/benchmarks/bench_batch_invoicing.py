"""Benchmark: a post-paid service's monthly batch ("lot") of invoices for 1,000 households
(a child each, 16 meals), against a 10-household baseline taken in the same run, in a
scratch database. Prints the time and query count of each, then one JSON line.

    make bench
    BENCH_HOUSEHOLDS=3000 make bench
"""

import datetime
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau")
os.environ["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/preau_bench_batch"
os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/14"  # never the demo worker's queue
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402
import psycopg  # noqa: E402

BASELINE = 10
MANY = int(os.environ.get("BENCH_HOUSEHOLDS", "1000"))


def recreate_database():
    admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS preau_bench_batch WITH (FORCE)")
        conn.execute("CREATE DATABASE preau_bench_batch")


def month_days(month):
    """The canteen's days of a month (Mon, Tue, Thu, Fri)."""
    day, days = month, []
    while day.month == month.month:
        if day.weekday() in (0, 1, 3, 4):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def main():
    recreate_database()
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from booking import demo, invoicing
    from booking.models import BillingMode
    from config.celery import app as celery_app
    from ledger import services as ledger_services
    from tenants.services import create_commune
    from tests.booking.bulk import bulk_booked_households
    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    commune = create_commune(
        name="Bench", slug="Bench", contact_email="mairie@bench.test", admin_email="a@bench.test"
    )
    results = {}
    with tenant_context(commune):
        canteen = demo.build_canteen(
            site_name="Restaurant scolaire",
            months=[datetime.date(2027, 1, 1), datetime.date(2027, 2, 1)],
            first_day=datetime.date(2026, 9, 1),
            last_day=datetime.date(2027, 7, 3),
        )
        canteen.service.billing_mode = BillingMode.POSTPAID
        canteen.service.save()
        ledger_services.ledger_settings()
        agent = UserFactory(email="regie@bench.test", is_staff=True)
        for month, count in (
            (datetime.date(2027, 1, 1), BASELINE),
            (datetime.date(2027, 2, 1), MANY),
        ):
            bulk_booked_households(canteen, count, month_days(month), tag=str(count))
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                batch = invoicing.invoice_batch_issue(
                    service=canteen.service, month=month, actor=agent
                )
                elapsed = time.perf_counter() - started
            assert batch.invoice_count == count
            results[count] = (elapsed, len(queries))
            print(
                f"batch of {count} households: {elapsed:.3f} s, {len(queries)} queries, "
                f"{batch.invoice_count} invoices, {batch.total} €"
            )
    (base_time, base_queries), (many_time, many_queries) = results[BASELINE], results[MANY]
    print(
        json.dumps(
            {
                "bench": "batch_invoicing",
                "households": MANY,
                "seconds": round(many_time, 3),
                "queries": many_queries,
                "baseline_households": BASELINE,
                "baseline_seconds": round(base_time, 3),
                "baseline_queries": base_queries,
                "time_ratio": round(many_time / base_time, 2),
                "query_ratio": round(many_queries / base_queries, 2),
            }
        )
    )
    celery_app.control.purge()


if __name__ == "__main__":
    main()
