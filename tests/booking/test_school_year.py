"""Issue 13, item 9: the next school year prepared from the current one, then opened."""

import datetime
from decimal import Decimal

import pytest

from booking import school_year
from booking.models import OpenMonth, Price, SchoolYear
from portal.journal import journal_entries
from tests.booking.conftest import build_canteen
from tests.factories import UserFactory

FIRST, LAST = datetime.date(2026, 9, 1), datetime.date(2027, 7, 3)


@pytest.fixture
def admin_user(in_clairoix):
    return UserFactory(email="admin@clairoix.test", first_name="Anne", last_name="ADMIN")


@pytest.fixture
def canteen(blanchard):
    return build_canteen(
        blanchard.household,
        [datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)],
        first_day=FIRST,
        last_day=LAST,
    )


def test_the_next_year_takes_the_official_dates_the_zone_and_the_current_prices(
    canteen, admin_user
):
    year = school_year.school_year_prepare(actor=admin_user)
    assert (year.first_day, year.last_day, year.zone, year.is_open) == (
        datetime.date(2027, 9, 1),
        datetime.date(2028, 7, 3),
        "B",
        False,
    )
    assert set(
        Price.objects.filter(valid_from=year.first_day).values_list("meal_kind__name", "amount")
    ) == {("Repas", Decimal("4.70")), ("Repas exceptionnel", Decimal("6.20"))}
    # Nothing opens to families before the agent opens the year.
    assert not OpenMonth.objects.filter(month__gte=year.first_day).exists()
    [entry] = journal_entries(action=school_year.PREPARE_ACTION)
    assert entry.actor == admin_user and "2027-2028" in entry.summary


def test_preparing_twice_updates_the_same_year_and_prices(canteen, admin_user):
    school_year.school_year_prepare(actor=admin_user)
    year = school_year.school_year_prepare(
        actor=admin_user,
        prices={canteen.meal.pk: Decimal("4.90")},
        prices_from=datetime.date(2027, 9, 6),
    )
    assert SchoolYear.objects.count() == 2
    next_prices = Price.objects.filter(
        meal_kind=canteen.meal, valid_from__gte=year.first_day
    ).values_list("valid_from", "amount")
    assert list(next_prices) == [(datetime.date(2027, 9, 6), Decimal("4.90"))]
    review = school_year.school_year_review()
    row = next(r for r in review.prices if r.meal_kind == canteen.meal)
    assert (row.current_display, row.next_display) == ("4,70\xa0€", "4,90\xa0€")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"first_day": datetime.date(2027, 6, 1)}, "commencer après"),
        ({"zone": "Z"}, "Zone"),
        ({"prices": {0: Decimal("4.70")}}, "inconnu"),
        ({"last_day": datetime.date(2027, 8, 1)}, "dernier jour"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(canteen, admin_user, kwargs, message):
    with pytest.raises(school_year.SchoolYearRefused, match=message):
        school_year.school_year_prepare(actor=admin_user, **kwargs)
    assert SchoolYear.objects.count() == 1 and Price.objects.count() == 2
    assert not journal_entries()


def test_a_price_over_the_ceiling_is_refused(canteen, admin_user):
    with pytest.raises(school_year.SchoolYearRefused, match="n'est pas entre"):
        school_year.school_year_prepare(actor=admin_user, prices={canteen.meal.pk: Decimal("300")})
    assert SchoolYear.objects.count() == 1


def test_opening_the_year_opens_its_months_once(canteen, admin_user):
    year = school_year.school_year_prepare(actor=admin_user)
    school_year.school_year_open(actor=admin_user, school_year=year)
    school_year.school_year_open(actor=admin_user, school_year=year)
    year.refresh_from_db()
    assert year.is_open
    months = list(
        OpenMonth.objects.filter(month__gte=year.first_day).values_list("month", flat=True)
    )
    assert months == [datetime.date(2027, m, 1) for m in range(9, 13)] + [
        datetime.date(2028, m, 1) for m in range(1, 8)
    ]
    assert len(journal_entries(action=school_year.OPEN_ACTION)) == 1
    assert school_year.current_school_year() == year
    assert school_year.prepared_school_year() is None


def test_an_open_year_is_not_prepared_again(canteen, admin_user):
    year = school_year.school_year_prepare(actor=admin_user)
    school_year.school_year_open(actor=admin_user, school_year=year)
    # The next one is now the year after.
    following = school_year.school_year_prepare(actor=admin_user)
    assert following.first_day > year.last_day
