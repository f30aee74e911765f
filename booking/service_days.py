"""Which days a meal is served, and how full they are: the dashboard and the kitchen list.

A service day is a day some active service serves: inside a school year, not a public or
school holiday nor a closure of that service, on a weekday of a planning group; or an
exceptional meal's day that is not closed. Loaded in a fixed number of queries whatever
the number of families, then computed with the pure functions of booking/calendar.py."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count

from booking import calendar
from booking.models import (
    Closure,
    ExceptionalDay,
    PlanningGroup,
    Reservation,
    SchoolYear,
    Service,
    Site,
    SiteDay,
)

ACTIVE = [Reservation.Status.CONFIRMED, Reservation.Status.HELD]
HORIZON_DAYS = 400


def service_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The days between `first` and `last` (included) on which some active service serves."""
    services = list(Service.objects.filter(is_active=True).values_list("pk", flat=True))
    if not services or last < first:
        return []
    years = list(SchoolYear.objects.all())
    weekdays = set()
    for group_days in PlanningGroup.objects.values_list("weekdays", flat=True):
        weekdays.update(group_days)
    closed = set(
        # A closure of some sites leaves the day served at the others.
        Closure.objects.filter(
            service_id__in=services, day__range=(first, last), site__isnull=True
        ).values_list("service_id", "day")
    )
    exceptional = set(
        ExceptionalDay.objects.filter(
            meal_kind__service_id__in=services, day__range=(first, last)
        ).values_list("meal_kind__service_id", "day")
    )
    calendars = [calendar.SchoolCalendar(y.first_day, y.last_day, y.zone) for y in years]
    days = []
    day = first
    while day <= last:
        for service_id in services:
            if (service_id, day) in closed:
                continue
            in_year = any(c.first_day <= day <= c.last_day for c in calendars)
            regular = day.weekday() in weekdays and any(c.is_open(day) for c in calendars)
            if regular or (in_year and (service_id, day) in exceptional):
                days.append(day)
                break
        day += datetime.timedelta(days=1)
    return days


def next_service_day(after: datetime.date) -> datetime.date | None:
    """The first service day after `after` (tomorrow, or Monday after a Friday, or the day
    school starts again after the holidays); None when nothing is planned."""
    first = after + datetime.timedelta(days=1)
    days = service_days(first, first + datetime.timedelta(days=HORIZON_DAYS))
    return days[0] if days else None


def previous_service_day(before: datetime.date) -> datetime.date | None:
    last = before - datetime.timedelta(days=1)
    days = service_days(last - datetime.timedelta(days=HORIZON_DAYS), last)
    return days[-1] if days else None


@dataclass(frozen=True)
class SiteLoad:
    site: Site
    capacity: int
    reserved: int
    per_kind: list  # (meal kind name, meals)


def capacities(sites, first: datetime.date, last: datetime.date) -> dict:
    """(site id, day) → capacity override, for the days that have one."""
    return {
        (site_id, day): capacity
        for site_id, day, capacity in SiteDay.objects.filter(
            site__in=sites, day__range=(first, last), capacity__isnull=False
        ).values_list("site_id", "day", "capacity")
    }


def day_load(day: datetime.date) -> list[SiteLoad]:
    """Per site: places of the day, meals reserved or held, and per meal kind."""
    sites = list(Site.objects.order_by("name"))
    overrides = capacities(sites, day, day)
    rows = (
        Reservation.objects.filter(day=day, status__in=ACTIVE)
        .values("site_id", "meal_kind__name", "meal_kind__position")
        .annotate(n=Count("id"))
        .order_by("meal_kind__position", "meal_kind__name")
    )
    per_site = {site.pk: [] for site in sites}
    for row in rows:
        per_site[row["site_id"]].append((row["meal_kind__name"], row["n"]))
    return [
        SiteLoad(
            site=site,
            capacity=overrides.get((site.pk, day), site.default_capacity),
            reserved=sum(n for _name, n in per_site[site.pk]),
            per_kind=per_site[site.pk],
        )
        for site in sites
    ]


def month_load(month: datetime.date) -> list[tuple[datetime.date, int, int]]:
    """(day, meals reserved or held, places of all sites) for each service day of a month."""
    days = calendar.month_days(month)
    first, last = days[0], days[-1]
    served = service_days(first, last)
    sites = list(Site.objects.all())
    overrides = capacities(sites, first, last)
    reserved = Counter(
        dict(
            Reservation.objects.filter(day__range=(first, last), status__in=ACTIVE)
            .values_list("day")
            .annotate(n=Count("id"))
            .values_list("day", "n")
        )
    )
    return [
        (
            day,
            reserved[day],
            sum(overrides.get((site.pk, day), site.default_capacity) for site in sites),
        )
        for day in served
    ]
