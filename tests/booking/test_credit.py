"""Credit used by an order awaiting payment is reserved until that order is paid, refused,
abandoned or expired (issue 10, item 1)."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from booking import selectors, services
from booking.models import Order, Reservation
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import Document
from tests.booking.test_orders import JAN, NOW, draft, key, reserved_days

FEB = [datetime.date(2027, 2, d) for d in (1, 2)]


def credit(blanchard, amount="10.00"):
    ledger_services.record_payment(
        household=blanchard.household,
        service_code="cant",
        amount=Decimal(amount),
        mode="cash",
        recorded_by=blanchard.user,
        idempotency_key="credit-at-the-town-hall",
    )


def three_days(canteen, blanchard):
    """14,10 €: Maxime on 4 and 5 January, Léa on 4 January."""
    c = canteen
    keys = {key(c.maxime, c.meal, JAN[0]), key(c.maxime, c.meal, JAN[1])}
    return draft(blanchard.household, c, keys | {key(c.lea, c.meal, JAN[0])}, blanchard.user)


def two_other_days(canteen, blanchard):
    """9,40 €: Maxime on 1 and 2 February (the grid keeps the held January days ticked)."""
    c = canteen
    held = {key(c.maxime, c.meal, JAN[0]), key(c.maxime, c.meal, JAN[1])}
    held.add(key(c.lea, c.meal, JAN[0]))
    return draft(
        blanchard.household,
        c,
        held | {key(c.maxime, c.meal, day) for day in FEB},
        blanchard.user,
    )


def pay(order, amount):
    """What tipi does when the Treasury says "paid": the payment, then the confirmation."""
    with transaction.atomic():
        ledger_services.record_payment(
            household=order.household,
            service_code="cant",
            amount=amount,
            mode="card",
            recorded_by=order.created_by,
            idempotency_key=f"card:{order.pk}",
        )
        return services.confirm_held_order(order=order, now=NOW)


def test_the_issues_scenario_the_second_order_must_be_paid(canteen_2027, blanchard):
    c = canteen_2027
    credit(blanchard)
    first = three_days(c, blanchard)
    assert selectors.order_recap(first).amount_to_pay == Decimal("4.10")
    first = services.hold_order(order=first, household=blanchard.household, now=NOW)
    assert first.reserved_credit == Decimal("10.00")
    assert selectors.order_recap(first).amount_to_pay == Decimal("4.10")  # what tipi asks

    second = two_other_days(c, blanchard)
    recap = selectors.order_recap(second)
    assert recap.reserved_elsewhere == Decimal("10.00")
    assert recap.needs_payment and recap.amount_to_pay == Decimal("9.40")
    with pytest.raises(services.PaymentRequired):
        services.validate_order(order=second, household=blanchard.household, now=NOW)
    second.refresh_from_db()
    assert second.status == Order.Status.DRAFT
    assert reserved_days(c.maxime) == []

    pay(first, Decimal("4.10"))
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("0.00")
    # The first order is paid: nothing is reserved any more, the second still costs 9,40 €.
    recap = selectors.order_recap(second)
    assert recap.reserved_elsewhere == 0 and recap.amount_to_pay == Decimal("9.40")
    second = services.hold_order(order=second, household=blanchard.household, now=NOW)
    assert selectors.order_recap(second).amount_to_pay == Decimal("9.40")
    pay(second, Decimal("9.40"))
    assert reserved_days(c.maxime) == [*JAN[:2], *FEB]
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("0.00")


@pytest.mark.parametrize("status", [Order.Status.REFUSED, Order.Status.EXPIRED])
def test_a_refused_or_expired_payment_gives_the_credit_back(canteen_2027, blanchard, status):
    c = canteen_2027
    credit(blanchard)
    first = services.hold_order(
        order=three_days(c, blanchard), household=blanchard.household, now=NOW
    )
    services.release_hold(order=first, status=status)
    second = draft(
        blanchard.household, c, {key(c.maxime, c.meal, day) for day in FEB}, blanchard.user
    )
    recap = selectors.order_recap(second)
    assert recap.reserved_elsewhere == 0 and not recap.needs_payment
    services.validate_order(order=second, household=blanchard.household, now=NOW)
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("0.60")


def test_holding_an_order_the_credit_covers_is_refused(canteen_2027, blanchard):
    c = canteen_2027
    credit(blanchard)
    order = draft(
        blanchard.household, c, {key(c.maxime, c.meal, day) for day in FEB}, blanchard.user
    )
    with pytest.raises(services.NothingToPay):
        services.hold_order(order=order, household=blanchard.household, now=NOW)
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT and not Reservation.objects.exists()


def test_an_agent_booking_does_not_spend_the_reserved_credit(canteen_2027, blanchard):
    """The agent's order goes on the account; the family's held order still pays 4,10 €
    and the account ends owing exactly the agent's 4,70 €."""
    c = canteen_2027
    credit(blanchard)
    first = services.hold_order(
        order=three_days(c, blanchard), household=blanchard.household, now=NOW
    )
    agents = draft(blanchard.household, c, {key(c.lea, c.meal, FEB[0])}, blanchard.user)
    assert selectors.order_recap(agents).amount_to_pay == Decimal("4.70")
    services.validate_order(order=agents, household=blanchard.household, now=NOW, allow_debit=True)
    first.refresh_from_db()
    assert selectors.order_recap(first).amount_to_pay == Decimal("4.10")
    pay(first, Decimal("4.10"))
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("-4.70")


def test_a_late_payment_books_only_what_it_and_the_credit_left_still_cover(canteen_2027, blanchard):
    """Paid after its hold expired, once the freed credit was spent: booking all three days
    would leave the family owing 9,40 € nobody asked them to pay."""
    c = canteen_2027
    credit(blanchard)
    first = services.hold_order(
        order=three_days(c, blanchard), household=blanchard.household, now=NOW
    )
    services.expire_holds(now=NOW + datetime.timedelta(minutes=21))
    second = draft(
        blanchard.household, c, {key(c.maxime, c.meal, day) for day in FEB}, blanchard.user
    )
    services.validate_order(order=second, household=blanchard.household, now=NOW)  # free now

    confirmation = pay(first, Decimal("4.10"))
    assert len(confirmation.confirmed) == 1 and len(confirmation.dropped) == 2
    balance = ledger_selectors.balance(blanchard.household, "cant")
    assert balance == Decimal("0.00")
    assert Document.objects.filter(kind="FA").count() == 2


def test_recap_and_validate_through_the_parent_pages(parent_client, canteen, blanchard):
    """The same scenario through the pages: the second recap says "Somme à payer 9,40 €"
    and offers no "Valider"; posting "Valider" anyway books nothing."""
    credit(blanchard)
    planning = selectors.planning_for(blanchard.household, canteen.service)
    maxime = next(t for t in planning.children if t.child.first_name == "Maxime")
    cells = [cell for cell in maxime.kinds[0].months[0].cells if not cell.disabled][:5]
    grid = "/Clairoix/reservations/cant/reservation/"
    recap_url = "/Clairoix/reservations/cant/recapitulatif/"

    parent_client.post(grid, {**{cell.key: "on" for cell in cells[:3]}, "finalize": "1"})
    page = parent_client.get(recap_url).content.decode()
    assert "Somme à payer" in page and "4,10" in page
    first = Order.objects.get()
    services.hold_order(order=first, household=blanchard.household)  # "Payer"

    response = parent_client.post(grid, {**{cell.key: "on" for cell in cells}, "finalize": "1"})
    assert response.status_code == 302
    page = parent_client.get(recap_url).content.decode()
    assert "Réservé par une commande en attente de paiement" in page
    assert "Somme à payer" in page and "9,40" in page
    assert ">Valider<" not in page and "Payer par carte bancaire" in page

    response = parent_client.post("/Clairoix/reservations/cant/valider/", follow=True)
    assert "doit être payée" in response.content.decode()
    assert Reservation.objects.filter(status="confirmed").count() == 0
    assert not Document.objects.filter(kind="FA").exists()


def test_the_household_lock_is_taken_before_the_places(canteen_2027, blanchard):
    """validate_order locks the household row first, then the order, in one statement
    (PostgreSQL locks a join's rows in the order of FOR UPDATE OF), then the places."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = canteen_2027
    credit(blanchard)
    order = draft(blanchard.household, c, {key(c.maxime, c.meal, FEB[0])}, blanchard.user)
    with CaptureQueriesContext(connection) as queries:
        services.validate_order(order=order, household=blanchard.household, now=NOW)
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert 'FOR UPDATE OF "portal_household", "booking_order"' in locks[0]
    assert any("booking_siteday" in sql for sql in locks[1:])
