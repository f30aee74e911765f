"""An agent books for a family: one service, one transaction, a reason past the deadlines."""

import datetime

import pytest

from booking import selectors, services
from booking.models import Order, Reservation
from tests.booking.factories import paris

LATE = paris(2027, 1, 6, 12, 0)  # past the J-2 deadline of Monday 4 January 2027
MONDAY = datetime.date(2027, 1, 4)


def maxime_monday(canteen):
    return {selectors.cell_key(canteen.maxime.pk, canteen.meal.pk, MONDAY)}


def book(canteen, blanchard, **fields):
    return services.book_for_household(
        household=blanchard.household,
        service=canteen.service,
        wanted_keys=maxime_monday(canteen),
        agent=blanchard.user,
        now=LATE,
        **fields,
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_past_the_deadlines_an_empty_reason_is_refused_and_nothing_is_written(
    canteen_2027, blanchard, reason
):
    with pytest.raises(services.ReasonRequired, match="motif"):
        book(canteen_2027, blanchard, overrides_deadlines=True, reason=reason)
    assert not Order.objects.exists() and not Reservation.objects.exists()


def test_past_the_deadlines_with_a_reason_the_order_is_drafted_and_validated_at_once(
    canteen_2027, blanchard
):
    order = book(canteen_2027, blanchard, overrides_deadlines=True, reason=" Oubli signalé ")
    order.refresh_from_db()
    assert order.status == Order.Status.VALIDATED
    assert order.on_behalf_reason == "Oubli signalé" and order.overrides_deadlines
    assert list(Reservation.objects.values_list("day", "status")) == [(MONDAY, "confirmed")]


def test_without_the_override_the_deadline_still_applies_and_nothing_is_written(
    canteen_2027, blanchard
):
    with pytest.raises(services.OrderRefused, match="délai de réservation dépassé"):
        book(canteen_2027, blanchard, reason="")
    assert not Order.objects.exists()


def test_a_refused_validation_leaves_no_draft_behind(canteen_2027, blanchard, monkeypatch):
    """Draft and validation are one transaction: a refusal at validation keeps no draft."""
    from booking.services import orders

    def refuse(**kwargs):
        raise services.OrderRefused([services.LineError("Maxime", MONDAY, "plus de place")])

    monkeypatch.setattr(orders, "validate_order", refuse)
    with pytest.raises(services.OrderRefused):
        book(canteen_2027, blanchard, overrides_deadlines=True, reason="Oubli")
    assert not Order.objects.exists()
