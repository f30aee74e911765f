"""Concurrent issuers on committed data: real threads, each with its own connection.

The test itself runs in pytest-django's rolled-back transaction; everything that must be
committed (the family, the documents, the clean-up) happens on other threads' connections.
"""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from ledger import services
from ledger.models import Document
from tenants.models import Commune
from tests.conftest import wipe_schema_data
from tests.ledger.factories import OBSERVATIONS, meal
from tests.portal.factories import ChildFactory, GuardianFactory

DAY = datetime.date(2026, 3, 2)


def in_thread(work):
    """Run `work` on a thread of its own, so on a connection of its own, in autocommit."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_closing(work)).result()


def _closing(work):
    def run(*args):
        try:
            return work(*args)
        finally:
            connection.close()

    return run


@pytest.fixture
def committed_family(db):
    """A Clairoix family and the canteen's book, committed; the commune's tables are emptied
    afterwards (with TRUNCATE: the ledger's triggers refuse row deletes, by design)."""
    clairoix = Commune.objects.get(slug="Clairoix")

    def create():
        with schema_context(clairoix.schema_name):
            services.register_service_book(
                code="cant",
                name="Restaurant scolaire",
                invoice_title="Service de Restauration Scolaire",
                observations=OBSERVATIONS,
            )
            guardian = GuardianFactory(household__name="CONCURRENCE")
            child = ChildFactory(household=guardian.household, first_name="Maxime")
            return guardian, child

    guardian, child = in_thread(create)
    yield clairoix, guardian, child
    in_thread(lambda: wipe_schema_data(clairoix.schema_name))


def run_concurrently(count, work):
    barrier = threading.Barrier(count)

    def one(index):
        barrier.wait(timeout=30)
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(_closing(one), range(count)))


def test_twenty_concurrent_invoices_get_numbers_1_to_20(committed_family):
    clairoix, guardian, child = committed_family

    def issue(index):
        with schema_context(clairoix.schema_name), transaction.atomic():
            return services.issue_invoice(
                household=guardian.household,
                service_code="cant",
                lines=[meal(child, DAY)],
                ordered_by=guardian.user,
                order_reference=f"CMD-{index}",
                idempotency_key=f"concurrent-{index}",
            ).number

    numbers = run_concurrently(20, issue)
    # The number's year is the document's date in Paris (issued_at, Europe/Paris).
    year = timezone.localdate(timezone=ZoneInfo("Europe/Paris")).year
    assert sorted(numbers) == [f"FA{year}{n:06d}" for n in range(1, 21)]

    def stored():
        with schema_context(clairoix.schema_name):
            return sorted(Document.objects.values_list("sequence", flat=True))

    assert in_thread(stored) == list(range(1, 21))


def test_the_numbers_year_is_the_year_in_paris(committed_family):
    """31/12/2025 23:30 UTC is already 2026 in Paris: the invoice is FA2026..., the
    counter of 2026 gives it its first number."""
    clairoix, guardian, child = committed_family
    new_years_eve = datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC)

    def issue():
        with schema_context(clairoix.schema_name), transaction.atomic():
            return services.issue_invoice(
                household=guardian.household,
                service_code="cant",
                lines=[meal(child, DAY)],
                ordered_by=guardian.user,
                order_reference="CMD-NYE",
                idempotency_key="new-years-eve",
                issued_at=new_years_eve,
            ).number

    assert in_thread(issue) == "FA2026000001"


def test_the_same_order_sent_five_times_at_once_is_invoiced_once(committed_family):
    clairoix, guardian, child = committed_family

    def issue(index):
        with schema_context(clairoix.schema_name), transaction.atomic():
            return services.issue_invoice(
                household=guardian.household,
                service_code="cant",
                lines=[meal(child, DAY)],
                ordered_by=guardian.user,
                order_reference="CMD-1",
                idempotency_key="same-order",
            ).pk

    ids = run_concurrently(5, issue)
    assert len(set(ids)) == 1

    def count_then_issue_next():
        with schema_context(clairoix.schema_name):
            count = Document.objects.count()
            following = services.issue_invoice(
                household=guardian.household,
                service_code="cant",
                lines=[meal(child, DAY)],
                ordered_by=guardian.user,
                order_reference="CMD-2",
                idempotency_key="next-order",
            )
            return count, following.sequence

    # The numbers the four duplicates took were given back with their savepoints.
    assert in_thread(count_then_issue_next) == (1, 2)
