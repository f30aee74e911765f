"""Reads of the waiting list ("liste d'attente"): a household's place in line on the grid,
the places kept for it, the lists staff read per site and day."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.models import WaitingRequest
from tenants.compiled import compiled_query

IN_LINE = [WaitingRequest.Status.WAITING]
# A freed place kept for a family (prepaid) or being booked for it (post-paid): it counts
# against the day's places like a held reservation.
HOLDING = [WaitingRequest.Status.OFFERED, WaitingRequest.Status.PROMOTED]
OPEN = IN_LINE + HOLDING

LINE_ORDER = ("created_at", "id")  # the order of the requests, never a race


def places_kept(site_ids, first: datetime.date, last: datetime.date, except_household=None):
    """(site id, day) → places kept by the waiting list for a family, other than
    `except_household` (its own kept place is the one it may take)."""
    except_id = except_household.pk if except_household is not None else None
    rows = places_kept_counts(site_ids, first, last, except_id)
    return Counter({(row["site_id"], row["day"]): row["n"] for row in rows})


def places_kept_counts(site_ids, first, last, except_household_id=None):
    """places_kept's query: rows of site_id, day and n (a places_taken part)."""
    rows = WaitingRequest.objects.filter(
        site_id__in=site_ids, day__range=(first, last), status__in=HOLDING
    )
    if except_household_id is not None:
        rows = rows.exclude(household_id=except_household_id)
    return rows.values("site_id", "day").annotate(n=Count("id")).order_by()


@compiled_query
def open_requests(household_id, service_id, first, last):
    return WaitingRequest.objects.filter(
        household_id=household_id,
        meal_kind__service_id=service_id,
        day__range=(first, last),
        status__in=OPEN,
    )


@dataclass(frozen=True)
class HouseholdWaiting:
    """A household's open requests on the grid: rank in line, or the place kept for it."""

    ranks: dict  # (child id, meal kind id, day) → rank (1 = next served)
    kept: dict  # (child id, meal kind id, day) → WaitingRequest offered to the family


def household_waiting(household, service, first, last, mine=None) -> HouseholdWaiting:
    """Two queries whatever the number of requests: the household's (`mine`, when read
    already), then the requests ahead of them on the same site-days."""
    if mine is None:
        mine = open_requests.fetch(
            household_id=household.pk, service_id=service.pk, first=first, last=last
        )
    ranks, kept = {}, {}
    waiting = [r for r in mine if r.status == WaitingRequest.Status.WAITING]
    if waiting:
        line = (
            WaitingRequest.objects.filter(
                site_id__in={r.site_id for r in waiting},
                day__in={r.day for r in waiting},
                status__in=IN_LINE,
            )
            .order_by(*LINE_ORDER)
            .values_list("id", "site_id", "day")
        )
        position, rank_of = Counter(), {}
        for request_id, site_id, day in line:
            position[(site_id, day)] += 1
            rank_of[request_id] = position[(site_id, day)]
        for request in waiting:
            ranks[(request.child_id, request.meal_kind_id, request.day)] = rank_of[request.pk]
    for request in mine:
        if request.status in HOLDING:
            kept[(request.child_id, request.meal_kind_id, request.day)] = request
    return HouseholdWaiting(ranks=ranks, kept=kept)


def offer_of_household(household, request_id) -> WaitingRequest | None:
    """A place kept for the household, from a link's id, through the household."""
    if not str(request_id).isdecimal() or len(str(request_id)) > 9:
        return None
    return (
        WaitingRequest.objects.filter(
            pk=int(request_id), household=household, status=WaitingRequest.Status.OFFERED
        )
        .select_related("meal_kind__service", "child")
        .first()
    )


def waiting_lists(service, first: datetime.date, last: datetime.date, site=None) -> list:
    """Staff: the open requests per site and day, in line order (with the rank)."""
    rows = (
        WaitingRequest.objects.filter(
            meal_kind__service=service, day__range=(first, last), status__in=OPEN
        )
        .select_related("site", "child", "household", "meal_kind")
        .order_by("day", "site__name", *LINE_ORDER)
    )
    if site is not None:
        rows = rows.filter(site=site)
    position = Counter()
    result = []
    for request in rows:
        rank = None
        if request.status == WaitingRequest.Status.WAITING:
            position[(request.site_id, request.day)] += 1
            rank = position[(request.site_id, request.day)]
        result.append((request, rank))
    return result


def rank_words(rank: int) -> str:
    """ "1re", "2e", "3e"..."""
    return _("1re") if rank == 1 else _("%(rank)se") % {"rank": rank}


def mark_waiting(children, waiting: HouseholdWaiting) -> None:
    """The grid's cells of the waiting list: a full day says "complet" and offers to join,
    or "complet — liste d'attente (3e)" with the family's rank; a place kept says until
    when."""
    for child_tab in children:
        for kind_tab in child_tab.kinds:
            for month_tab in kind_tab.months:
                for cell in month_tab.cells:
                    key = (child_tab.child.pk, kind_tab.meal_kind.pk, cell.day)
                    if key in waiting.kept and not cell.disabled:
                        cell.waiting = "kept"
                        until = waiting.kept[key].offered_until
                        cell.note = (
                            _("place gardée pour vous jusqu'au %(when)s")
                            % {"when": f"{timezone.localtime(until):%d/%m/%Y %H:%M}"}
                            if until
                            else _("place attribuée")
                        )
                    elif cell.full and key in waiting.ranks:
                        cell.waiting = "in_line"
                        cell.reason = _("complet — liste d'attente (%(rank)s)") % {
                            "rank": rank_words(waiting.ranks[key])
                        }
                    elif cell.full:
                        cell.waiting = "join"
