"""Counts and the kitchen list: meals reserved on a day, per site and meal kind."""

import datetime
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from booking.models import Enrolment, Reservation


def count_reservations_this_month() -> int:
    today = timezone.localdate()
    return Reservation.objects.filter(
        status=Reservation.Status.CONFIRMED,
        day__year=today.year,
        day__month=today.month,
    ).count()


def kitchen_list(day: datetime.date, site=None):
    """Meals reserved on `day`: per site and meal kind, the children with class and group.

    A child counts once per service: booked for both (before the one-meal rule), the
    exceptional meal, which replaces the regular one, is the one listed."""
    reservations = list(
        Reservation.objects.filter(day=day, status=Reservation.Status.CONFIRMED)
        .filter(Q(site=site) if site else Q())
        .select_related("child", "meal_kind", "site")
        .order_by("site__name", "meal_kind__position", "child__last_name", "child__first_name")
    )
    kept = {}
    for reservation in reservations:
        child_service = (reservation.child_id, reservation.meal_kind.service_id)
        other = kept.get(child_service)
        if other is None or (
            reservation.meal_kind.is_exceptional and not other.meal_kind.is_exceptional
        ):
            kept[child_service] = reservation
    reservations = [r for r in reservations if kept[(r.child_id, r.meal_kind.service_id)] is r]
    groups = {
        (e.child_id, e.service_id): e.planning_group.name
        for e in Enrolment.objects.filter(
            child_id__in=[r.child_id for r in reservations]
        ).select_related("planning_group")
    }
    rows = defaultdict(list)
    for reservation in reservations:
        rows[(reservation.site, reservation.meal_kind)].append(
            (
                reservation.child,
                groups.get((reservation.child_id, reservation.meal_kind.service_id), ""),
            )
        )
    # A plain dict: templates look "items" up as a key first, which a defaultdict would create.
    return dict(rows)
