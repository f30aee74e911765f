"""Two guardians of one household (issue 15, several guardians) validate their orders at
the same instant, on real PostgreSQL connections, for the last place of a day and with
credit for one order only: the household lock and the place lock keep both exact."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum
from django_tenants.utils import schema_context

from booking import selectors, services
from booking.models import Order, Reservation
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import Document
from tenants.models import Commune
from tests.booking.factories import EnrolmentFactory, SiteDayFactory, build_canteen, paris
from tests.conftest import wipe_schema_data
from tests.factories import UserFactory
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

NOW = paris(2026, 12, 15, 9, 0)
DAYS = [datetime.date(2027, 1, d) for d in (4, 5, 7)]  # one household per day, 1 place each
# The last household's second guardian books another day, with places: only the credit
# (one 4,70 € meal, not two) decides there, under the household lock.
OTHER_DAY = datetime.date(2027, 1, 11)
CREDIT = Decimal("5.00")


@pytest.fixture
def households(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        clairoix = Commune.objects.get(slug="Clairoix")
        with schema_context(clairoix.schema_name):
            agent = UserFactory(email="agent@clairoix.test", is_staff=True)
            created, canteen = [], None
            for n, day in enumerate(DAYS):
                household = HouseholdFactory(name=f"SEPARES{n}")
                first = GuardianFactory(
                    household=household, user=UserFactory(email=f"pere{n}@example.org")
                )
                second = GuardianFactory(
                    household=household,
                    rank=2,
                    civility="MME",
                    user=UserFactory(email=f"mere{n}@example.org"),
                )
                maxime = ChildFactory(household=household, first_name="Maxime")
                lea = ChildFactory(household=household, first_name="Léa")
                if canteen is None:
                    canteen = build_canteen(
                        household,
                        [datetime.date(2027, 1, 1)],
                        first_day=datetime.date(2026, 9, 1),
                        last_day=datetime.date(2027, 7, 3),
                    )
                    for place_day in DAYS:
                        SiteDayFactory(site=canteen.site, day=place_day, capacity=1)
                else:
                    for child, group in ((maxime, canteen.elementary), (lea, canteen.nursery)):
                        EnrolmentFactory(
                            child=child,
                            service=canteen.service,
                            site=canteen.site,
                            planning_group=group,
                        )
                ledger_services.record_payment(
                    household=household,
                    service_code="cant",
                    amount=CREDIT,
                    mode="cash",
                    recorded_by=agent,
                    idempotency_key=f"credit-{n}",
                )
                orders = [
                    services.draft_order(
                        household=household,
                        service=canteen.service,
                        wanted_keys={selectors.cell_key(child.pk, canteen.meal.pk, wanted)},
                        created_by=guardian.user,
                        now=NOW,
                    )
                    for guardian, child, wanted in (
                        (first, maxime, day),
                        (second, lea, OTHER_DAY if n == len(DAYS) - 1 else day),
                    )
                ]
                created.append((household, day, orders))
        yield clairoix, created
        connection.set_schema_to_public()
        wipe_schema_data(clairoix.schema_name)


def test_two_guardians_validating_at_once_get_one_place_and_spend_the_credit_once(households):
    clairoix, created = households
    barrier = threading.Barrier(2 * len(created))
    outcomes, failures = [], []

    def validate(household, order):
        try:
            with schema_context(clairoix.schema_name):
                barrier.wait()
                try:
                    services.validate_order(order=order, household=household, now=NOW)
                    outcomes.append("validated")
                except (services.OrderRefused, services.PaymentRequired) as refusal:
                    outcomes.append(type(refusal).__name__)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=validate, args=(household, order))
        for household, _day, orders in created
        for order in orders
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert len(outcomes) == 2 * len(created)
    assert outcomes.count("validated") == len(created)
    with schema_context(clairoix.schema_name):
        for household, day, orders in created:
            statuses = sorted(
                Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)
            )
            assert statuses.count(Order.Status.VALIDATED) == 1, (household.name, statuses)
            booked = Reservation.objects.filter(
                status=Reservation.Status.CONFIRMED, child__household=household
            )
            assert booked.count() == 1
            places_taken = Reservation.objects.filter(
                day=day, status=Reservation.Status.CONFIRMED
            ).count()
            # The day's last place went once (the last household raced for its credit).
            assert places_taken == (1 if day != DAYS[-1] else booked.filter(day=day).count())
            invoiced = Document.objects.filter(account__household=household, kind="FA").aggregate(
                total=Sum("total")
            )["total"]
            assert invoiced == Decimal("4.70")
            assert ledger_selectors.balance(household, "cant") == Decimal("0.30")
