"""20 cancellations race 20 families joining the waiting list of the same full day, on
real PostgreSQL connections: places never exceed capacity, each freed place goes to the
first family in line (the order of the requests), one e-mail per promotion."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context

from booking import selectors, services
from booking.models import Order, Reservation, WaitingRequest
from notifications.models import OutboxEmail
from tenants.models import Commune
from tests.booking.factories import (
    ReservationFactory,
    SiteDayFactory,
    enrol,
    first_household_canteen,
    paris,
)
from tests.conftest import wipe_schema_data
from tests.factories import UserFactory
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

NOW = paris(2026, 12, 15, 9, 0)
DAY = datetime.date(2027, 1, 4)
PLACES = 20


def _family(canteen, name):
    guardian = GuardianFactory(
        household=HouseholdFactory(name=name.upper()),
        user=UserFactory(email=f"{name.lower()}@example.org", password=None),  # no hashing
    )
    child = ChildFactory(household=guardian.household, first_name=name)
    enrol(canteen, child)
    return guardian, child


@pytest.fixture
def full_day_and_line(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        clairoix = Commune.objects.get(slug="Clairoix")
        with schema_context(clairoix.schema_name):
            canteen = first_household_canteen(capacity=100)
            SiteDayFactory(site=canteen.site, day=DAY, capacity=PLACES)
            cancellations = []
            for n in range(PLACES):
                guardian, child = _family(canteen, f"Mangeur{n}")
                # The day's meals as rows (booking them is not what this test is about).
                ReservationFactory(
                    child=child,
                    meal_kind=canteen.meal,
                    site=canteen.site,
                    day=DAY,
                    order__status=Order.Status.VALIDATED,
                    order__created_by=guardian.user,
                )
                cancel = services.draft_order(
                    household=guardian.household,
                    service=canteen.service,
                    wanted_keys=set(),
                    created_by=guardian.user,
                    now=NOW,
                )
                cancellations.append((guardian.household, cancel))
            waiting = []
            for n in range(PLACES):
                guardian, child = _family(canteen, f"Attente{n}")
                waiting.append((guardian, selectors.cell_key(child.pk, canteen.meal.pk, DAY)))
            # Half of them are in line before the race, the other half join during it.
            for guardian, key in waiting[: PLACES // 2]:
                services.join_waiting_list(
                    household=guardian.household, service=canteen.service, key=key, now=NOW
                )
            waiting = waiting[PLACES // 2 :]
        yield clairoix, canteen.service, cancellations, waiting
        connection.set_schema_to_public()
        wipe_schema_data(clairoix.schema_name)


def test_twenty_cancellations_race_twenty_waiting_families(full_day_and_line):
    clairoix, service, cancellations, waiting = full_day_and_line
    barrier = threading.Barrier(len(cancellations) + len(waiting))
    outcomes = []

    def cancel(household, order):
        try:
            with schema_context(clairoix.schema_name):
                barrier.wait()
                services.validate_order(order=order, household=household, now=NOW, allow_debit=True)
                outcomes.append("cancelled")
        finally:
            connections.close_all()

    def join(guardian, key):
        try:
            with schema_context(clairoix.schema_name):
                barrier.wait()
                try:
                    services.join_waiting_list(
                        household=guardian.household, service=service, key=key, now=NOW
                    )
                    outcomes.append("joined")
                except services.WaitingRefused:
                    outcomes.append("room left")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cancel, args=c) for c in cancellations]
    threads += [threading.Thread(target=join, args=w) for w in waiting]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == len(threads) and outcomes.count("cancelled") == PLACES
    with schema_context(clairoix.schema_name):
        confirmed = Reservation.objects.filter(day=DAY, status="confirmed").count()
        assert confirmed == 0  # every meal of the day was cancelled
        requests = list(WaitingRequest.objects.filter(day=DAY).order_by("created_at", "id"))
        assert len(requests) == PLACES // 2 + outcomes.count("joined")
        offered = [r for r in requests if r.status == WaitingRequest.Status.OFFERED]
        in_line = [r for r in requests if r.status == WaitingRequest.Status.WAITING]
        assert len(offered) + len(in_line) == len(requests)
        # Never more places than capacity; a place left free only with nobody in line.
        assert confirmed + len(offered) <= PLACES
        assert not in_line or confirmed + len(offered) == PLACES
        # Promotions follow the order of the requests: the first ones in line got the places.
        assert requests[: len(offered)] == offered
        # One e-mail per promotion, to the promoted family, none to the others.
        emails = OutboxEmail.objects.filter(template="booking/waiting_place")
        promoted_emails = sorted(
            WaitingRequest.objects.filter(pk__in=[r.pk for r in offered]).values_list(
                "household__guardians__user__email", flat=True
            )
        )
        assert sorted(emails.values_list("to_email", flat=True)) == promoted_emails
        assert len(promoted_emails) == len(offered) >= PLACES // 2
