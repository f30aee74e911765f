"""A service's rules are kept in each process's memory under a token that every write to
the tables they are read from changes in the same transaction (booking migration 0013):
whatever the kind of write (save, queryset update, bulk create, delete), the next read
sees it, and a rolled-back change is never served."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from booking import selectors
from booking.models import (
    Closure,
    DeadlineRule,
    ExceptionalDay,
    MealKind,
    OpenMonth,
    Price,
    PriceBracket,
    SchoolYear,
)

STRIKE = datetime.date(2027, 1, 12)


def warm(service):
    """Read the rules twice: the second read comes from memory (the token, the site days)."""
    selectors.service_rules(service)
    with CaptureQueriesContext(connection) as second:
        rules = selectors.service_rules(service)
    assert len(second.captured_queries) == 2, [q["sql"] for q in second.captured_queries]
    return rules


def add_closure(c):
    Closure.objects.create(service=c.service, day=STRIKE, reason="grève")


def bulk_add_month(c):
    OpenMonth.objects.bulk_create([OpenMonth(service=c.service, month=datetime.date(2027, 4, 1))])


def delete_months(c):
    OpenMonth.objects.filter(service=c.service, month=datetime.date(2027, 3, 1)).delete()


def move_the_school_year(c):
    SchoolYear.objects.update(last_day=datetime.date(2027, 2, 26))


def raise_prices(c):
    Price.objects.filter(meal_kind=c.meal).update(amount=Decimal("9.99"))


def add_a_qf_grid(c):
    price = Price.objects.filter(meal_kind=c.meal).first()
    PriceBracket.objects.create(price=price, qf_max=Decimal("500"), amount=Decimal("1.10"))


def add_a_feast(c):
    ExceptionalDay.objects.create(meal_kind=c.special, day=datetime.date(2027, 3, 4), label="Mardi")


def rename_the_meal(c):
    MealKind.objects.filter(pk=c.meal.pk).update(name="Déjeuner")


def lengthen_the_deadline(c):
    DeadlineRule.objects.filter(service=c.service).update(days_before=9)


CHANGES = {
    add_closure: lambda rules, c: rules.closures.get(STRIKE) == "grève",
    bulk_add_month: lambda rules, c: datetime.date(2027, 4, 1) in rules.months,
    delete_months: lambda rules, c: datetime.date(2027, 3, 1) not in rules.months,
    move_the_school_year: lambda rules, c: (
        max(cal.last_day for cal in rules.calendars) == datetime.date(2027, 2, 26)
    ),
    raise_prices: lambda rules, c: rules.prices[c.meal.pk][0].amount == Decimal("9.99"),
    add_a_qf_grid: lambda rules, c: any(p.bracket_list for p in rules.prices[c.meal.pk]),
    add_a_feast: lambda rules, c: datetime.date(2027, 3, 4) in rules.exceptional_days[c.special.pk],
    rename_the_meal: lambda rules, c: "Déjeuner" in [k.name for k in rules.meal_kinds],
    lengthen_the_deadline: lambda rules, c: (
        {rule.days_before for rule in rules.deadlines.values()} == {9}
    ),
}


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__)
def test_the_next_read_sees_every_kind_of_write(canteen_2027, change):
    c = canteen_2027
    assert not CHANGES[change](warm(c.service), c)
    change(c)
    assert CHANGES[change](selectors.service_rules(c.service), c)


def test_a_rolled_back_change_is_never_served(canteen_2027):
    c = canteen_2027
    warm(c.service)
    with pytest.raises(RuntimeError), transaction.atomic():
        add_closure(c)
        assert STRIKE in selectors.service_rules(c.service).closures  # its own write
        raise RuntimeError("rolled back")
    assert STRIKE not in selectors.service_rules(c.service).closures
    assert STRIKE not in warm(c.service).closures


def test_the_capacity_of_a_day_is_read_each_time(canteen_2027):
    """Site days are inserted by every booking's lock: no token, read on each call."""
    from tests.booking.factories import SiteDayFactory

    c = canteen_2027
    warm(c.service)
    SiteDayFactory(site=c.site, day=STRIKE, capacity=3)
    assert selectors.service_rules(c.service).capacity(c.site, STRIKE) == 3


def test_each_commune_has_its_own_rules(canteen_2027, les_ageux):
    from django_tenants.utils import schema_context

    c = canteen_2027
    rules = warm(c.service)
    with schema_context(les_ageux.schema_name):
        assert selectors.service_rules(c.service).months == []  # nothing open there
    assert selectors.service_rules(c.service).months == rules.months
