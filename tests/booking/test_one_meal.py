"""One meal per child per day: an exceptional meal replaces the regular one (issue 10,
item 9)."""

import datetime
from decimal import Decimal

import pytest

from booking import selectors, services
from booking.models import Order, Reservation
from ledger.money import format_euros
from portal import roles
from tests.booking.factories import ReservationFactory
from tests.booking.test_orders import NOW, draft, key
from tests.factories import PASSWORD, UserFactory

FEAST = datetime.date(2027, 1, 21)  # Thursday: a regular day for Maxime, and a "Repas de fête"
PRICE = format_euros(Decimal("6.20"))  # "6,20 €" with its no-break space
REFUSAL = "21/01/2027 : un seul repas par jour : le repas exceptionnel remplace le repas habituel"


def both(c):
    return {key(c.maxime, c.meal, FEAST), key(c.maxime, c.special, FEAST)}


def cells_of_the_feast(planning, child_name="Maxime"):
    tab = next(t for t in planning.children if t.child.first_name == child_name)
    found = {}
    for kind_tab in tab.kinds:
        for month_tab in kind_tab.months:
            for cell in month_tab.cells:
                if cell.day == FEAST:
                    found[kind_tab.meal_kind.is_exceptional] = cell
    return found[False], found[True]


def test_both_meals_of_a_day_in_one_draft_are_refused(canteen_2027, blanchard):
    with pytest.raises(services.OrderRefused) as refusal:
        draft(blanchard.household, canteen_2027, both(canteen_2027), blanchard.user)
    assert "BLANCHARD Maxime, " + REFUSAL in str(refusal.value)
    assert not Order.objects.exists()


def test_the_second_meal_is_refused_again_under_the_lock(canteen_2027, blanchard):
    """Two tabs: each draft is fine alone; the second validation finds the first one."""
    c = canteen_2027
    regular = draft(blanchard.household, c, {key(c.maxime, c.meal, FEAST)}, blanchard.user)
    special = draft(blanchard.household, c, {key(c.maxime, c.special, FEAST)}, blanchard.user)
    services.validate_order(order=regular, household=blanchard.household, now=NOW, allow_debit=True)
    with pytest.raises(services.OrderRefused) as refusal:
        services.validate_order(
            order=special, household=blanchard.household, now=NOW, allow_debit=True
        )
    assert REFUSAL in str(refusal.value)
    assert Reservation.objects.filter(status="confirmed").count() == 1


def test_a_held_regular_meal_refuses_the_exceptional_one(canteen_2027, blanchard):
    c = canteen_2027
    regular = draft(blanchard.household, c, {key(c.maxime, c.meal, FEAST)}, blanchard.user)
    special = draft(blanchard.household, c, {key(c.maxime, c.special, FEAST)}, blanchard.user)
    services.hold_order(order=regular, household=blanchard.household, now=NOW)
    with pytest.raises(services.OrderRefused) as refusal:
        services.hold_order(order=special, household=blanchard.household, now=NOW)
    assert REFUSAL in str(refusal.value)


def test_switching_to_the_exceptional_meal_in_one_order_is_allowed(canteen_2027, blanchard):
    c = canteen_2027
    regular = draft(blanchard.household, c, {key(c.maxime, c.meal, FEAST)}, blanchard.user)
    services.validate_order(order=regular, household=blanchard.household, now=NOW, allow_debit=True)
    switch = draft(blanchard.household, c, {key(c.maxime, c.special, FEAST)}, blanchard.user)
    assert sorted(switch.lines.values_list("action", flat=True)) == ["add", "cancel"]
    recap = selectors.order_recap(switch)
    assert recap.total_debit - recap.total_credit == Decimal("1.50")  # 6,20 € − 4,70 €
    services.validate_order(order=switch, household=blanchard.household, now=NOW, allow_debit=True)
    assert list(
        Reservation.objects.filter(status="confirmed").values_list("meal_kind__name", flat=True)
    ) == ["Repas exceptionnel"]


def test_the_grid_names_the_exceptional_meal_and_makes_the_day_exclusive(canteen_2027, blanchard):
    c = canteen_2027
    planning = selectors.planning_for(blanchard.household, c.service, now=NOW)
    regular, special = cells_of_the_feast(planning)
    assert special.note == f"Repas de fête — {PRICE} (remplace le repas habituel)"
    assert regular.note == f"ou Repas de fête — {PRICE}, qui le remplace"
    assert regular.group == special.group == f"{c.maxime.pk}-2027-01-21"
    assert not regular.disabled and not special.disabled

    # Awaiting payment, the exceptional meal cannot be unticked: the regular one is locked.
    order = draft(blanchard.household, c, {key(c.maxime, c.special, FEAST)}, blanchard.user)
    services.hold_order(order=order, household=blanchard.household, now=NOW)
    planning = selectors.planning_for(blanchard.household, c.service, now=NOW)
    regular, special = cells_of_the_feast(planning)
    assert special.state == "held"
    assert regular.disabled and regular.reason == "Repas exceptionnel déjà choisi ce jour-là"


def test_the_planning_page_shows_the_meal_and_the_exclusive_pair(parent_client, canteen, blanchard):
    from booking.models import ExceptionalDay

    feast = ExceptionalDay.objects.order_by("day").first()
    feast.label = "Repas de Noël"
    feast.save()
    page = parent_client.get("/Clairoix/reservations/cant/reservation/").content.decode()
    assert f"Repas de Noël — {PRICE} (remplace le repas habituel)" in page
    assert f"ou Repas de Noël — {PRICE}, qui le remplace" in page
    group = f'data-meal-day="{canteen.maxime.pk}-{feast.day.isoformat()}"'
    assert page.count(group) == 2


def test_the_kitchen_counts_children_not_rows(client, canteen_2027, blanchard):
    """A child booked twice on one day (before this rule) is one child, listed with the
    exceptional meal that replaces the regular one."""
    c = canteen_2027
    for meal_kind, price in ((c.meal, "4.70"), (c.special, "6.20")):
        ReservationFactory(
            child=c.maxime,
            meal_kind=meal_kind,
            site=c.site,
            day=FEAST,
            unit_price=Decimal(price),
            order__created_by=blanchard.user,
        )
    groups = selectors.kitchen_list(FEAST)
    assert [(kind.name, len(children)) for (_site, kind), children in groups.items()] == [
        ("Repas exceptionnel", 1)
    ]
    roles.give_role(UserFactory(email="cuisine@clairoix.test", is_staff=True), roles.AGENT)
    client.post(
        "/Clairoix/admin/login/", {"username": "cuisine@clairoix.test", "password": PASSWORD}
    )
    page = client.get("/Clairoix/gestion/cuisine/", {"jour": "2027-01-21"}).content.decode()
    assert "1 enfant au total" in page
    csv = client.get("/Clairoix/gestion/cuisine/", {"jour": "2027-01-21", "format": "csv"})
    assert len(csv.content.decode("utf-8-sig").strip().splitlines()) == 2  # header + Maxime
