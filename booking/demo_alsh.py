"""The demo's second service of Clairoix, "Repas ALSH" (the manual's recap shows it beside
the canteen): post-paid ("facturé au mois") meals of the leisure centre on Wednesdays and
every weekday of the school holidays, a few households booked last month and this month,
and last month's batch issued, so both billing modes show. Loaded by booking/demo.py;
loading it again changes nothing."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from booking import invoicing, services
from booking.calendar import WORKING_WEEK, SchoolCalendar
from booking.demo_town import TOWN_HALL_AGENT
from booking.models import (
    BillingMode,
    DeadlineRule,
    Enrolment,
    MealKind,
    OpenMonth,
    Order,
    PlanningGroup,
    Price,
    Reservation,
    SchoolYear,
    Service,
)
from portal import demo_town
from portal.selectors import household_named

PRICE = Decimal("5.20")
WEDNESDAY = 2


def build_alsh(*, site, first_day) -> tuple[Service, MealKind, PlanningGroup]:
    service = Service.objects.filter(code="alsh").first() or Service(code="alsh")
    service.name = "Repas ALSH"
    service.invoice_title = "Accueil de loisirs — Repas ALSH"
    service.billing_mode = BillingMode.POSTPAID
    service.open_in_school_holidays = True
    service.position = 1
    services.save_service(service)
    meal, _created = MealKind.objects.get_or_create(
        service=service, name="Repas", defaults={"tab_label": "Repas", "position": 0}
    )
    Price.objects.get_or_create(meal_kind=meal, valid_from=first_day, defaults={"amount": PRICE})
    group, _created = PlanningGroup.objects.get_or_create(
        name="Mercredis", defaults={"weekdays": [WEDNESDAY]}
    )
    for action in (DeadlineRule.Action.BOOK, DeadlineRule.Action.CANCEL):
        DeadlineRule.objects.get_or_create(
            service=service,
            action=action,
            defaults={
                "kind": DeadlineRule.Kind.DAYS_BEFORE,
                "days_before": 2,
                "business_days_only": True,
                "at_time": datetime.time(10, 0),
            },
        )
    return service, meal, group


def load(commune, *, site, first_day, months):
    """`months`: the months families may book (this one and the next)."""
    if commune.slug != "Clairoix":
        return
    service, meal, group = build_alsh(site=site, first_day=first_day)
    for month in months:
        OpenMonth.objects.get_or_create(service=service, month=month)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    calendars = [
        SchoolCalendar(y.first_day, y.last_day, y.zone, holiday_weekdays=WORKING_WEEK)
        for y in SchoolYear.objects.all()
    ]
    names = ["BLANCHARD"] + [name for name, _habit, _c in demo_town.town_households()[:4]]
    agent = get_user_model().objects.filter(email__iexact=TOWN_HALL_AGENT).first()
    for name in names:
        household = household_named(name)
        if household is None:
            continue
        children = list(household.children.order_by("birth_date", "first_name")[:2])
        if not children or Reservation.objects.filter(child__in=children, meal_kind=meal).exists():
            continue
        user = household.guardians.select_related("user").first().user
        with transaction.atomic():
            for child in children:
                Enrolment.objects.get_or_create(
                    child=child, service=service, defaults={"site": site, "planning_group": group}
                )
            for month in (last_month, this_month):
                days = [
                    day
                    for school_calendar in calendars
                    for day in school_calendar.planning_days(month, [WEDNESDAY])
                    if month < this_month or day >= today
                ]
                if not days:
                    continue
                moment = timezone.make_aware(
                    datetime.datetime.combine(month - datetime.timedelta(days=5), datetime.time(20))
                )
                order = Order.objects.create(
                    household=household,
                    service=service,
                    status=Order.Status.VALIDATED,
                    created_by=user,
                    expires_at=moment,
                    validated_at=moment,
                )
                Reservation.objects.bulk_create(
                    Reservation(
                        child=child,
                        meal_kind=meal,
                        site=site,
                        day=day,
                        status=Reservation.Status.CONFIRMED,
                        unit_price=PRICE,
                        order=order,
                    )
                    for child in children
                    for day in days
                )
    if agent is not None:
        # Last month's batch (nothing the second time: every household is invoiced already).
        invoicing.invoice_batch_issue(service=service, month=last_month, actor=agent)
