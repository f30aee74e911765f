"""20 families validate at once for the last 5 places, on real PostgreSQL connections."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context

from booking import services
from booking.models import Order, Reservation
from tenants.models import Commune
from tests.booking.factories import (
    SiteDayFactory,
    families_with_a_draft,
    first_household_canteen,
    paris,
)
from tests.conftest import wipe_schema_data

NOW = paris(2026, 12, 15, 9, 0)
DAY = datetime.date(2027, 1, 4)
FAMILIES = 20
PLACES = 5


@pytest.fixture
def committed_canteen(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        clairoix = Commune.objects.get(slug="Clairoix")
        with schema_context(clairoix.schema_name):
            canteen = first_household_canteen(capacity=100)
            # Everyone but the last 5 places already taken.
            SiteDayFactory(site=canteen.site, day=DAY, capacity=PLACES)
            families = families_with_a_draft(canteen, FAMILIES, name="CONCURRENT", day=DAY, now=NOW)
        yield clairoix, families
        connection.set_schema_to_public()
        wipe_schema_data(clairoix.schema_name)


def test_twenty_concurrent_validations_for_the_last_five_places(committed_canteen):
    clairoix, families = committed_canteen
    barrier = threading.Barrier(FAMILIES)
    outcomes = []

    def validate(household, order):
        try:
            with schema_context(clairoix.schema_name):
                barrier.wait()
                try:
                    services.validate_order(
                        order=order, household=household, now=NOW, allow_debit=True
                    )
                    outcomes.append("validated")
                except services.OrderRefused as refusal:
                    outcomes.append(str(refusal))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=validate, args=family) for family in families]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == FAMILIES
    assert outcomes.count("validated") == PLACES
    refusals = [o for o in outcomes if o != "validated"]
    assert all("04/01/2027 : plus de place disponible" in o for o in refusals)
    with schema_context(clairoix.schema_name):
        assert Reservation.objects.filter(day=DAY, status="confirmed").count() == PLACES
        assert Order.objects.filter(status=Order.Status.VALIDATED).count() == PLACES
        assert Order.objects.filter(status=Order.Status.DRAFT).count() == FAMILIES - PLACES
