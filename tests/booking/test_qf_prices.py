"""Issue 15, item 2: a price by quotient familial bracket, the QF valid on the meal's day,
frozen into the order line."""

import datetime
from decimal import Decimal

import pytest

from booking import prices, selectors, services
from booking.models import OrderLine, PriceBracket, Reservation
from ledger.models import Document
from portal import quotients
from portal.models import QuotientFamilial
from tests.booking.factories import paris
from tests.factories import UserFactory

NOW = paris(2026, 12, 15, 9, 0)
JAN = [datetime.date(2027, 1, d) for d in (4, 5, 7, 8, 11)]  # Mon Tue Thu Fri Mon
EUR = Decimal


def grid(canteen):
    """QF ≤ 500: 1,00 €; 501–900: 2,50 €; > 900: 4,70 €."""
    price = canteen.meal.prices.get()
    PriceBracket.objects.create(price=price, qf_max=EUR("500"), amount=EUR("1.00"))
    PriceBracket.objects.create(price=price, qf_max=EUR("900"), amount=EUR("2.50"))
    PriceBracket.objects.create(price=price, qf_max=None, amount=EUR("4.70"))
    return price


def set_qf(household, value, valid_from=datetime.date(2026, 9, 1), valid_until=None):
    staff = UserFactory(email=f"staff{QuotientFamilial.objects.count()}@clairoix.test")
    return quotients.quotient_set(
        actor=staff,
        household=household,
        value=EUR(value),
        source=QuotientFamilial.Source.CAF,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def draft(blanchard, canteen, days):
    keys = {selectors.cell_key(canteen.maxime.pk, canteen.meal.pk, d) for d in days}
    return services.draft_order(
        household=blanchard.household,
        service=canteen.service,
        wanted_keys=keys,
        created_by=blanchard.user,
        now=NOW,
    )


def line_prices(order):
    return {
        line.day: line.unit_price for line in OrderLine.objects.filter(order=order).order_by("day")
    }


@pytest.mark.parametrize(
    ("qf", "expected"),
    [
        ("0", "1.00"),
        ("500", "1.00"),
        ("500.01", "2.50"),
        ("501", "2.50"),
        ("900", "2.50"),
        ("900.01", "4.70"),
        ("901", "4.70"),
        (None, "4.70"),
    ],
)
def test_the_bracket_at_its_boundaries(canteen_2027, blanchard, qf, expected):
    grid(canteen_2027)
    if qf is not None:
        set_qf(blanchard.household, qf)
    order = draft(blanchard, canteen_2027, JAN[:1])
    assert line_prices(order) == {JAN[0]: EUR(expected)}


def test_an_expired_qf_counts_as_no_qf(canteen_2027, blanchard):
    grid(canteen_2027)
    set_qf(blanchard.household, "400", valid_until=datetime.date(2026, 12, 31))
    order = draft(blanchard, canteen_2027, JAN[:1])
    assert line_prices(order) == {JAN[0]: EUR("4.70")}


def test_a_qf_expiring_in_the_middle_of_an_order_prices_each_day_by_its_own_qf(
    canteen_2027, blanchard
):
    grid(canteen_2027)
    set_qf(blanchard.household, "450", valid_until=datetime.date(2027, 1, 6))
    set_qf(blanchard.household, "800", valid_from=datetime.date(2027, 1, 8))
    order = draft(blanchard, canteen_2027, JAN)
    assert line_prices(order) == {
        JAN[0]: EUR("1.00"),  # Mon 4, QF 450
        JAN[1]: EUR("1.00"),  # Tue 5, QF 450
        JAN[2]: EUR("4.70"),  # Thu 7, no QF valid that day
        JAN[3]: EUR("2.50"),  # Fri 8, QF 800
        JAN[4]: EUR("2.50"),
    }
    recap = selectors.order_recap(order)
    assert [(row.quantity, row.unit_price, row.price_label) for row in recap.rows] == [
        (2, EUR("1.00"), "Tarif QF 1"),
        (1, EUR("4.70"), "Tarif QF 3"),
        (2, EUR("2.50"), "Tarif QF 2"),
    ]


def test_a_later_qf_change_leaves_the_booked_price_and_the_invoice_unchanged(
    canteen_2027, blanchard
):
    grid(canteen_2027)
    set_qf(blanchard.household, "450")
    order = draft(blanchard, canteen_2027, JAN[:2])
    services.validate_order(order=order, household=blanchard.household, now=NOW, allow_debit=True)
    invoice = Document.objects.get(kind="FA")
    assert invoice.total == EUR("2.00")
    set_qf(blanchard.household, "1200", valid_from=datetime.date(2026, 12, 16))
    invoice.refresh_from_db()
    assert invoice.total == EUR("2.00") and Document.objects.filter(kind="FA").count() == 1
    booked = Reservation.objects.filter(child=canteen_2027.maxime).order_by("day")
    assert [r.unit_price for r in booked] == [EUR("1.00"), EUR("1.00")]
    assert line_prices(order) == {JAN[0]: EUR("1.00"), JAN[1]: EUR("1.00")}
    # A new booking is priced by the new QF; the old QF row is kept in the history.
    later = draft(blanchard, canteen_2027, JAN[:3])
    assert line_prices(later) == {JAN[2]: EUR("4.70")}
    history = quotients.quotient_history(blanchard.household)
    assert [(q.value, q.valid_until) for q in history] == [
        (EUR("1200.00"), None),
        (EUR("450.00"), datetime.date(2026, 12, 15)),
    ]


def test_the_recap_page_shows_the_bracket_never_the_qf_value(parent_client, canteen, blanchard):
    grid(canteen)
    set_qf(blanchard.household, "777.70")
    planning = selectors.planning_for(blanchard.household, canteen.service)
    maxime = next(t for t in planning.children if t.child.first_name == "Maxime")
    cells = [cell for cell in maxime.kinds[0].months[0].cells if not cell.disabled][:2]
    parent_client.post(
        "/Clairoix/reservations/cant/reservation/",
        {**{cell.key: "on" for cell in cells}, "finalize": "1"},
    )
    page = parent_client.get("/Clairoix/reservations/cant/recapitulatif/").content.decode()
    assert "Tarif QF 2" in page and "2,50" in page
    assert "777" not in page


def test_a_grid_without_qf_is_the_price_itself(canteen_2027, blanchard):
    order = draft(blanchard, canteen_2027, JAN[:1])
    assert line_prices(order) == {JAN[0]: EUR("4.70")}
    assert selectors.order_recap(order).rows[0].price_label == ""


@pytest.mark.parametrize(
    ("brackets", "problem"),
    [
        ([(EUR("500"), EUR("1")), (EUR("500"), EUR("2")), (None, EUR("4"))], "même plafond"),
        ([(EUR("500"), EUR("1")), (EUR("900"), EUR("2"))], "une seule"),
        ([(EUR("500"), EUR("1")), (None, EUR("2")), (None, EUR("4"))], "une seule"),
        ([(EUR("500"), EUR("1")), (None, EUR("40"))], "dépasse le tarif maximal"),
    ],
)
def test_a_wrong_grid_is_refused_with_a_message(brackets, problem):
    errors = prices.bracket_errors(brackets, ceiling=EUR("30.00"))
    assert any(problem in e for e in errors), errors


def test_cantine_a_1_euro_needs_three_brackets_the_lowest_at_most_one_euro():
    three = [(EUR("500"), EUR("1.00")), (EUR("900"), EUR("2.50")), (None, EUR("4.70"))]
    assert prices.bracket_errors(three, ceiling=EUR("30")) == []
    assert prices.is_cantine_a_1_euro(three)
    assert not prices.is_cantine_a_1_euro(three[1:])
    assert not prices.is_cantine_a_1_euro([(EUR("500"), EUR("1.01")), *three[1:]])


def test_the_demo_shows_cantine_a_1_euro_in_les_ageux_and_loads_twice_alike(les_ageux):
    from django_tenants.utils import schema_context

    from booking import demo as booking_demo
    from booking.models import Price
    from portal import demo as portal_demo

    with schema_context(les_ageux.schema_name):
        for _ in range(2):
            portal_demo.load(les_ageux)
            booking_demo.load(les_ageux)
        brackets = list(PriceBracket.objects.all())
        assert len(brackets) == 3 and Price.objects.filter(meal_kind__name="Repas").count() == 1
        assert prices.is_cantine_a_1_euro([(b.qf_max, b.amount) for b in brackets])
        assert QuotientFamilial.objects.count() == 1


def bracket_post(rows):
    data = {
        "brackets-TOTAL_FORMS": str(len(rows)),
        "brackets-INITIAL_FORMS": "0",
        "brackets-MIN_NUM_FORMS": "0",
        "brackets-MAX_NUM_FORMS": "1000",
    }
    for i, (qf_max, amount) in enumerate(rows):
        data[f"brackets-{i}-qf_max"] = qf_max
        data[f"brackets-{i}-amount"] = amount
    return data


def test_the_administrateur_types_a_grid_the_french_way_and_sees_cantine_a_1_euro(
    client, canteen_2027
):
    from tests.factories import PASSWORD

    admin_user = UserFactory(email="admin@clairoix.test", is_staff=True, is_superuser=True)
    client.post("/Clairoix/admin/login/", {"username": admin_user.email, "password": PASSWORD})
    price = canteen_2027.meal.prices.get()
    url = f"/Clairoix/admin/booking/price/{price.pk}/change/"
    wrong = client.post(url, bracket_post([("500", "1,00"), ("900", "45,00"), ("", "4,70")]))
    assert wrong.status_code == 200
    assert "dépasse le tarif maximal du service" in wrong.content.decode()
    assert not PriceBracket.objects.exists()
    saved = client.post(url, bracket_post([("500", "1,00"), ("900", "2,50"), ("", "4,70")]))
    assert saved.status_code == 302
    assert [(b.qf_max, b.amount) for b in PriceBracket.objects.all()] == [
        (EUR("500.00"), EUR("1.00")),
        (EUR("900.00"), EUR("2.50")),
        (None, EUR("4.70")),
    ]
    assert "« Cantine à 1 € »" in client.get(url).content.decode()
