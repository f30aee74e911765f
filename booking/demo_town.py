"""The demo town's bookings and money (Clairoix's households of portal/demo_town.py):
enrolments, one validated order a month for last month and this month (every planned day),
its invoice, and each household's payment habit: by card at once, at the town hall some
days later, last month left unpaid, or nothing paid. Loaded by booking/demo.py, idempotent:
a household whose children already have reservations is left as it is."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from booking.calendar import SchoolCalendar
from booking.models import Enrolment, Order, OrderLine, Reservation, SchoolYear
from ledger import services as ledger
from portal import demo_town
from portal.selectors import household_named

TOWN_HALL_AGENT = "regisseur@clairoix.example"


def _months(today: datetime.date) -> list[datetime.date]:
    this_month = today.replace(day=1)
    previous = (this_month - datetime.timedelta(days=1)).replace(day=1)
    return [previous, this_month]


def _ordered_at(month: datetime.date, now: datetime.datetime) -> datetime.datetime:
    """Orders are placed a few days before their month, at 20:00 (never in the future)."""
    day = month - datetime.timedelta(days=4)
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(20, 0)))
    return min(moment, now - datetime.timedelta(hours=1))


def load(commune, *, service, meal, site, groups):
    if commune.slug != "Clairoix":
        return
    now = timezone.now()
    today = timezone.localdate()
    calendars = [
        SchoolCalendar(year.first_day, year.last_day, year.zone)
        for year in SchoolYear.objects.all()
    ]
    price = meal.prices.order_by("-valid_from").first().amount
    User = get_user_model()
    agent = User.objects.filter(email__iexact=TOWN_HALL_AGENT).first()
    for number, (name, habit, children_spec) in enumerate(demo_town.town_households()):
        household = household_named(name)
        if household is None:
            continue
        children = {child.first_name: child for child in household.children.all()}
        if Reservation.objects.filter(child__in=children.values()).exists():
            continue
        user = household.guardians.select_related("user").first().user
        with transaction.atomic():
            enrolled = []
            for first_name, group in children_spec:
                child = children[first_name]
                Enrolment.objects.get_or_create(
                    child=child,
                    service=service,
                    defaults={"site": site, "planning_group": groups[group]},
                )
                enrolled.append((child, groups[group]))
            for month in _months(today):
                _book_month(
                    household=household,
                    user=user,
                    agent=agent or user,
                    service=service,
                    meal=meal,
                    site=site,
                    price=price,
                    enrolled=enrolled,
                    month=month,
                    calendars=calendars,
                    habit=habit,
                    mode=("cheque", "cash")[(number + month.month) % 2],
                    now=now,
                )


def _book_month(
    *, household, user, agent, service, meal, site, price, enrolled, month, calendars, habit,
    mode, now,
):  # fmt: skip
    days = [
        (child, day)
        for child, group in enrolled
        for school_calendar in calendars
        for day in school_calendar.planning_days(month, group.weekdays)
    ]
    if not days:
        return
    ordered_at = _ordered_at(month, now)
    order = Order.objects.create(
        household=household,
        service=service,
        status=Order.Status.VALIDATED,
        created_by=user,
        expires_at=ordered_at,
        validated_at=ordered_at,
    )
    Order.objects.filter(pk=order.pk).update(created_at=ordered_at)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            child=child,
            meal_kind=meal,
            day=day,
            action=OrderLine.Action.ADD,
            unit_price=price,
        )
        for child, day in days
    )
    Reservation.objects.bulk_create(
        Reservation(
            child=child,
            meal_kind=meal,
            site=site,
            day=day,
            status=Reservation.Status.CONFIRMED,
            unit_price=price,
            order=order,
        )
        for child, day in days
    )
    key = f"demo-town-{household.pk}-{month:%Y%m}"
    invoice = ledger.issue_invoice(
        household=household,
        service_code=service.code,
        lines=[
            ledger.DocumentLine(
                child_id=child.pk,
                child_name=str(child),
                day=day,
                label=meal.name,
                unit_price=price,
            )
            for child, day in days
        ],
        ordered_by=user,
        order_reference=order.reference,
        idempotency_key=f"{key}-fa",
        issued_at=ordered_at,
    )
    is_last_month = month < now.date().replace(day=1)
    if habit == "debtor" or (habit == "late" and is_last_month):
        return  # unpaid: the household is in debit with an invoice of that age
    if habit == "town_hall":
        paid_at = ordered_at + datetime.timedelta(days=9, hours=-10)
        if paid_at > now:
            return  # not yet come to the town hall for this month
        payment = {"mode": mode, "recorded_by": agent, "paid_at": paid_at}
    else:
        payment = {
            "mode": "card",
            "recorded_by": user,
            "paid_at": ordered_at + datetime.timedelta(minutes=3),
            "order_reference": order.reference,
            "treasury_reference": f"DEMO-{order.reference}",
        }
    ledger.record_payment(
        household=household,
        service_code=service.code,
        amount=Decimal(invoice.total),
        idempotency_key=f"{key}-rg",
        **payment,
    )
