"""Two guardians and an agent spend one family's credit at the same instant, on real
PostgreSQL connections (issue 10, item 1): the credit is spent once."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum
from django_tenants.utils import schema_context

from booking import selectors, services
from booking.models import Order
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import Document
from tenants.models import Commune
from tests.booking.factories import EnrolmentFactory, build_canteen, paris
from tests.conftest import wipe_schema_data
from tests.factories import UserFactory
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

NOW = paris(2026, 12, 15, 9, 0)
FAMILIES = 4
MAXIME_DAYS = [datetime.date(2027, 1, d) for d in (4, 5, 7)]  # 14,10 €
LEA_DAYS = [datetime.date(2027, 1, d) for d in (18, 19)]  # 9,40 €, no place lock shared
AGENT_DAY = datetime.date(2027, 1, 8)  # 4,70 €


def keys(child, meal, days):
    return {selectors.cell_key(child.pk, meal.pk, day) for day in days}


@pytest.fixture
def families(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        clairoix = Commune.objects.get(slug="Clairoix")
        with schema_context(clairoix.schema_name):
            agent = UserFactory(email="agent@clairoix.test", is_staff=True)
            created, canteen = [], None
            for n in range(FAMILIES):
                household = HouseholdFactory(name=f"FAMILLE{n}")
                first = GuardianFactory(
                    household=household, user=UserFactory(email=f"parent{n}a@example.org")
                )
                second = GuardianFactory(
                    household=household, rank=2, user=UserFactory(email=f"parent{n}b@example.org")
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
                    amount=Decimal("10.00"),
                    mode="cash",
                    recorded_by=agent,
                    idempotency_key=f"credit-{n}",
                )

                def draft(wanted, user, household=household, canteen=canteen):
                    return services.draft_order(
                        household=household,
                        service=canteen.service,
                        wanted_keys=wanted,
                        created_by=user,
                        now=NOW,
                    )

                mine = draft(keys(maxime, canteen.meal, MAXIME_DAYS), first.user)
                theirs = draft(keys(lea, canteen.meal, LEA_DAYS), second.user)
                agents = draft(keys(maxime, canteen.meal, [AGENT_DAY]), agent)
                created.append((household, mine, theirs, agents))
        yield clairoix, created
        connection.set_schema_to_public()
        wipe_schema_data(clairoix.schema_name)


def pay_by_card(order, household):
    """What "Payer" and the Treasury's "paid" do (tipi.start.start_payment, then
    _apply_payment): hold, ask for the held order's amount, record it, confirm."""
    order = services.hold_order(order=order, household=household, now=NOW)
    amount = selectors.order_recap(order).amount_to_pay
    with transaction.atomic():
        services.lock_household(household)
        ledger_services.record_payment(
            household=household,
            service_code="cant",
            amount=amount,
            mode="card",
            recorded_by=order.created_by,
            idempotency_key=f"card-{order.pk}",
        )
        services.confirm_held_order(order=order, now=NOW)
    return "paid"


def as_a_parent(order, household):
    """The recap offers "Payer" or "Valider"; the server may answer that it must be paid."""
    for _attempt in range(3):
        if selectors.order_recap(order).needs_payment:
            try:
                return pay_by_card(order, household)
            except services.NothingToPay:
                continue
        try:
            services.validate_order(order=order, household=household, now=NOW)
            return "validated"
        except services.PaymentRequired:
            return pay_by_card(order, household)
    raise AssertionError("no outcome")


def test_two_guardians_and_an_agent_spend_the_credit_once(families):
    clairoix, created = families
    barrier = threading.Barrier(3 * FAMILIES)
    outcomes, failures = [], []

    def run(action, *args):
        try:
            with schema_context(clairoix.schema_name):
                barrier.wait()
                outcomes.append(action(*args))
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(repr(error))
        finally:
            connections.close_all()

    def agent_books(order, household):
        services.validate_order(order=order, household=household, now=NOW, allow_debit=True)
        return "agent"

    threads = []
    for household, mine, theirs, agents in created:
        threads += [
            threading.Thread(target=run, args=(as_a_parent, mine, household)),
            threading.Thread(target=run, args=(as_a_parent, theirs, household)),
            threading.Thread(target=run, args=(agent_books, agents, household)),
        ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert len(outcomes) == 3 * FAMILIES
    with schema_context(clairoix.schema_name):
        assert Order.objects.filter(status=Order.Status.VALIDATED).count() == 3 * FAMILIES
        for household, *_orders in created:
            balance = ledger_selectors.balance(household, "cant")
            totals = dict(
                Document.objects.filter(account__household=household)
                .values_list("kind")
                .annotate(total=Sum("total"))
            )
            assert totals["FA"] == Decimal("28.20")
            assert balance == totals["RG"] - totals["FA"]
            # The 10,00 € were spent once: the family owes at most the agent's 4,70 €.
            assert balance >= Decimal("-4.70"), (household.name, balance, totals)
