"""20 families validate at once for the last 5 places, on real PostgreSQL connections."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context

from booking import selectors, services
from booking.models import Enrolment, Order, Reservation, SiteDay
from tenants.models import Commune
from tests.booking.conftest import build_canteen, paris
from tests.conftest import wipe_schema_data
from tests.factories import UserFactory
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

NOW = paris(2026, 12, 15, 9, 0)
DAY = datetime.date(2027, 1, 4)
FAMILIES = 20
PLACES = 5


@pytest.fixture
def committed_canteen(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        clairoix = Commune.objects.get(slug="Clairoix")
        with schema_context(clairoix.schema_name):
            first = GuardianFactory(household=HouseholdFactory(name="PREMIER"))
            ChildFactory(household=first.household, first_name="Maxime")
            ChildFactory(household=first.household, first_name="Léa")
            canteen = build_canteen(
                first.household,
                [datetime.date(2027, 1, 1)],
                first_day=datetime.date(2026, 9, 1),
                last_day=datetime.date(2027, 7, 3),
                capacity=100,
            )
            # Everyone but the last 5 places already taken.
            SiteDay.objects.create(site=canteen.site, day=DAY, capacity=PLACES)
            families = []
            for n in range(FAMILIES):
                guardian = GuardianFactory(
                    household=HouseholdFactory(name=f"CONCURRENT{n}"),
                    user=UserFactory(email=f"famille{n}@example.org"),
                )
                child = ChildFactory(household=guardian.household, first_name=f"Enfant{n}")
                Enrolment.objects.create(
                    child=child,
                    service=canteen.service,
                    site=canteen.site,
                    planning_group=canteen.elementary,
                )
                order = services.draft_order(
                    household=guardian.household,
                    service=canteen.service,
                    wanted_keys={selectors.cell_key(child.pk, canteen.meal.pk, DAY)},
                    created_by=guardian.user,
                    now=NOW,
                )
                families.append((guardian.household, order))
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
