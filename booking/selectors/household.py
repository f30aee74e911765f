"""A household's reads for a service: its enrolments, its active reservations and the places
taken at its children's sites (reserved, held, or kept by the waiting list for another
family), each a statement compiled once (tenants.compiled), read in bulk."""

import datetime
from collections import Counter

from django.db.models import Count

from booking.models import Enrolment, Reservation
from booking.selectors.rules import ACTIVE
from booking.selectors.waiting import places_kept_counts
from tenants.compiled import compiled_query


def places_taken(
    site_ids, first: datetime.date, last: datetime.date, except_household=None
) -> Counter:
    """(site id, day) → meals reserved or held, and places the waiting list keeps for a
    family (booking/selectors/waiting.py) other than `except_household`'s own."""
    rows = _places_taken.fetch(
        site_ids=sorted(site_ids),
        first=first,
        last=last,
        household_id=except_household.pk if except_household is not None else 0,
    )
    return count_taken(rows)  # one statement, read under the places' locks


def count_taken(rows) -> Counter:
    """(site id, day) → n, from the rows of places_taken's statement."""
    taken = Counter()
    for row in rows:
        taken[(row["site_id"], row["day"])] += row["n"]
    return taken


@compiled_query
def places_at_household_sites(household_id, service_id, first, last):
    """places_taken at the sites where the household's children are enrolled for the
    service, other than the household's own kept places."""
    sites = Enrolment.objects.filter(
        child__household_id=household_id, service_id=service_id
    ).values("site_id")
    return _places_taken.build(site_ids=sites, first=first, last=last, household_id=household_id)


@compiled_query
def _places_taken(site_ids, first, last, household_id):
    reserved = (
        Reservation.objects.filter(
            site_id__in=site_ids, day__range=(first, last), status__in=ACTIVE
        )
        .values("site_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    # household id 0 (no household) excludes nobody.
    return reserved.union(places_kept_counts(site_ids, first, last, household_id), all=True)


def enrolments_of(household, service):
    return household_enrolments.fetch(household_id=household.pk, service_id=service.pk)


@compiled_query
def household_enrolments(household_id, service_id):
    return (
        Enrolment.objects.filter(child__household_id=household_id, service_id=service_id)
        .select_related("child", "site", "planning_group")
        .order_by("child__birth_date", "child__first_name")
    )


def household_reservations(household, service, first, last) -> dict:
    """(child id, meal kind id, day) → active reservation."""
    rows = active_reservations.fetch(
        household_id=household.pk, service_id=service.pk, first=first, last=last
    )
    return by_cell(rows)


def by_cell(reservations) -> dict:
    return {(r.child_id, r.meal_kind_id, r.day): r for r in reservations}


@compiled_query
def active_reservations(household_id, service_id, first, last):
    return Reservation.objects.filter(
        child__household_id=household_id,
        meal_kind__service_id=service_id,
        day__range=(first, last),
        status__in=ACTIVE,
    )
