import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from booking import services
from booking.calendar import PARIS
from booking.models import (
    DeadlineRule,
    Enrolment,
    ExceptionalDay,
    MealKind,
    OpenMonth,
    PlanningGroup,
    Price,
    SchoolYear,
    Service,
    Site,
)


@dataclass
class Canteen:
    service: Service
    meal: MealKind
    special: MealKind
    site: Site
    elementary: PlanningGroup
    nursery: PlanningGroup
    months: list
    maxime: object
    lea: object


def build_canteen(household, months, *, first_day, last_day, capacity=120):
    service = services.save_service(
        Service(
            code="cant",
            name="Restaurant scolaire",
            invoice_title="Service de Restauration Scolaire",
            invoice_observations="Le prix du repas prend en compte le temps d'animation",
        )
    )
    SchoolYear.objects.create(first_day=first_day, last_day=last_day, zone="B")
    meal = MealKind.objects.create(service=service, name="Repas", tab_label="Repas")
    special = MealKind.objects.create(
        service=service,
        name="Repas exceptionnel",
        tab_label="Repas exceptionnels",
        is_exceptional=True,
        position=1,
    )
    Price.objects.create(meal_kind=meal, amount=Decimal("4.70"), valid_from=first_day)
    Price.objects.create(meal_kind=special, amount=Decimal("6.20"), valid_from=first_day)
    site = Site.objects.create(name="Restaurant scolaire de Clairoix", default_capacity=capacity)
    elementary = PlanningGroup.objects.create(name="Élémentaire", weekdays=[0, 1, 3, 4])
    nursery = PlanningGroup.objects.create(name="Maternelle", weekdays=[0, 1, 3])
    for action in (DeadlineRule.Action.BOOK, DeadlineRule.Action.CANCEL):
        DeadlineRule.objects.create(
            service=service,
            action=action,
            kind=DeadlineRule.Kind.DAYS_BEFORE,
            days_before=2,
            business_days_only=True,
            at_time=datetime.time(10, 0),
        )
    for month in months:
        OpenMonth.objects.create(service=service, month=month)
        festive = month + datetime.timedelta(days=14)
        while festive.weekday() != 3:
            festive += datetime.timedelta(days=1)
        ExceptionalDay.objects.create(meal_kind=special, day=festive, label="Repas de fête")
    children = {child.first_name: child for child in household.children.all()}
    Enrolment.objects.create(
        child=children["Maxime"], service=service, site=site, planning_group=elementary
    )
    Enrolment.objects.create(
        child=children["Léa"], service=service, site=site, planning_group=nursery
    )
    return Canteen(
        service,
        meal,
        special,
        site,
        elementary,
        nursery,
        months,
        children["Maxime"],
        children["Léa"],
    )


@pytest.fixture
def canteen_2027(blanchard):
    """A fixed calendar: school year 2026-2027 zone B, January to March 2027 open."""
    return build_canteen(
        blanchard.household,
        [datetime.date(2027, 1, 1), datetime.date(2027, 2, 1), datetime.date(2027, 3, 1)],
        first_day=datetime.date(2026, 9, 1),
        last_day=datetime.date(2027, 7, 3),
    )


def next_months(count, today=None):
    month = (today or datetime.date.today()).replace(day=1)
    months = []
    for _ in range(count):
        month = (month + datetime.timedelta(days=32)).replace(day=1)
        months.append(month)
    return months


@pytest.fixture
def canteen(blanchard):
    """A calendar around today, for pages that use the real clock: the next 3 months open."""
    months = next_months(3)
    return build_canteen(
        blanchard.household,
        months,
        first_day=months[0] - datetime.timedelta(days=60),
        last_day=months[-1] + datetime.timedelta(days=40),
    )


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)
