"""The demo's register: Clairoix's canteen bills a meal eaten without reservation 6,50 €,
absences are justified within 48 h, and the last three service days before today have been
taken (everyone booked present but one absent a day) and closed. Idempotent."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from booking import service_days, services
from booking.models import Reservation

AGENT = "agent@clairoix.example"


def load(commune, *, service, site):
    if commune.slug != "Clairoix":
        return
    if service.unbooked_meal_price is None:
        service.unbooked_meal_price = Decimal("6.50")
        service.justification_delay_hours = 48
        service.save(update_fields=["unbooked_meal_price", "justification_delay_hours"])
    agent = get_user_model().objects.filter(email__iexact=AGENT).first()
    if agent is None:
        return
    day = timezone.localdate()
    for _n in range(3):
        day = service_days.previous_service_day(day)
        if day is None:
            return
        _take(service, site, day, agent)


def _take(service, site, day: datetime.date, agent):
    booked = list(
        Reservation.objects.filter(
            meal_kind__service=service, site=site, day=day, status=Reservation.Status.CONFIRMED
        )
        .select_related("child", "meal_kind")
        .order_by("child__last_name", "child__first_name")
    )
    for number, reservation in enumerate(booked):
        services.attendance_record(
            service=service,
            site=site,
            day=day,
            child=reservation.child,
            meal_kind=reservation.meal_kind,
            present=number != day.day % max(len(booked), 1),
            actor=agent,
        )
    if booked:
        services.attendance_close_day(service=service, site=site, day=day, actor=agent)
