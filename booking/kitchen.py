"""The kitchen's reads: meals per day, site and meal kind over a period (the week view and
the kitchen export). A child counts once a day per service: booked twice (before the
one-meal rule), the exceptional meal, which replaces the regular one, is the one counted,
as on the day's list (selectors.kitchen_list)."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q

from booking.models import MealKind, Reservation, Site
from portal import selectors as portal_selectors


@dataclass(frozen=True)
class KitchenCounts:
    days: list  # the days of the period, in order
    sites: list  # Site rows with at least one meal, by name
    meal_kinds: list  # MealKind rows with at least one meal, in order
    counts: Counter  # (day, site id, meal kind id) → children
    diets: Counter  # (day, site id, meal kind id, diet code) → children with that diet

    def diet_count(self, day, site, meal_kind, diet: str) -> int:
        return self.diets[(day, site.pk, meal_kind.pk, diet)]

    def of(self, day, site, meal_kind) -> int:
        return self.counts[(day, site.pk, meal_kind.pk)]

    def day_total(self, day) -> int:
        return sum(n for (d, _s, _k), n in self.counts.items() if d == day)

    def rows(self):
        """(day, site, meal kind, children) for every count above zero, in order."""
        for day in self.days:
            for site in self.sites:
                for meal_kind in self.meal_kinds:
                    n = self.of(day, site, meal_kind)
                    if n:
                        yield day, site, meal_kind, n


def kitchen_counts(first: datetime.date, last: datetime.date, site=None) -> KitchenCounts:
    """Children eating each day of [first, last], per site and meal kind, and per validated
    diet (4 queries)."""
    rows = (
        Reservation.objects.filter(day__range=(first, last), status=Reservation.Status.CONFIRMED)
        .filter(Q(site=site) if site else Q())
        .values_list(
            "day",
            "child_id",
            "site_id",
            "meal_kind_id",
            "meal_kind__service_id",
            "meal_kind__is_exceptional",
        )
    )
    kept = {}
    for day, child_id, site_id, kind_id, service_id, exceptional in rows:
        key = (day, child_id, service_id)
        other = kept.get(key)
        if other is None or (exceptional and not other[2]):
            kept[key] = (site_id, kind_id, exceptional)
    counts = Counter(
        (day, site_id, kind_id) for (day, _c, _s), (site_id, kind_id, _e) in kept.items()
    )
    diet_of = portal_selectors.diets_of({child_id for (_d, child_id, _s) in kept})
    diets = Counter(
        (day, site_id, kind_id, diet_of[child_id])
        for (day, child_id, _s), (site_id, kind_id, _e) in kept.items()
        if child_id in diet_of
    )
    site_ids = {s for _d, s, _k in counts}
    kind_ids = {k for _d, _s, k in counts}
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    return KitchenCounts(
        days=days,
        sites=list(Site.objects.filter(pk__in=site_ids).order_by("name")),
        meal_kinds=list(
            MealKind.objects.filter(pk__in=kind_ids).order_by(
                "service__position", "position", "name"
            )
        ),
        counts=counts,
        diets=diets,
    )


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the day's week."""
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)
