"""Closing a service for a day or a few (a strike, a broken kitchen), with its consequences.

A closure covers every site of the service (`sites` None or empty: one Closure row a day
with no site) or some of them (one row per site and day); a site is never closed on a day
already closed for every site, and closing every site on a day where some are closed
closes the others.

`preview_closure` says what a closure would cancel; `close_day` does it in one transaction:
the closure rows with who did it, the day's reservations cancelled, one credit note per
household for the meals that were booked, one e-mail per family. Deleting a closure re-opens
the day for new reservations and re-books nothing.

Lock order, as every writer: households (by id), then the capacity rows (site, day). An order
being validated, held, paid or released holds its household's row (booking.services.rules
.locked_order), so it waits for the closure or the closure waits for it; a reservation made
by another household meanwhile either committed before the capacity locks (and is found, and
the closure starts again with its household) or waits for them and then sees the closure.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from booking import billing, journal, selectors
from booking.models import Closure, Enrolment, Reservation, Service
from booking.services import close_waiting_lists, lock_site_days
from ledger import services as ledger
from ledger.money import format_euros
from notifications.services import queue_email
from portal import services as portal_services
from portal.selectors import guardians_of
from tenants.links import commune_url, current_commune

MAX_DAYS = 92  # a closure covers at most about a term; longer is a calendar change


class ClosureRefused(Exception):
    """Nothing was closed; the message says why, in French."""


@dataclass(frozen=True)
class SitePreview:
    site: object  # a Site
    reservations: int
    held: int
    families: int
    euros: Decimal

    @property
    def euros_display(self) -> str:
        return format_euros(self.euros)


@dataclass(frozen=True)
class ClosurePreview:
    service: Service
    days: list  # the days that would be closed (already closed ones left out)
    already_closed: list
    reservations: int  # booked meals cancelled and credited
    held: int  # meals held by an order awaiting payment, released
    families: int
    euros: Decimal  # what the credit notes would total
    sites: list = field(default_factory=list)  # the sites closed; empty: every site
    per_site: list = field(default_factory=list)  # SitePreview of each site concerned

    @property
    def euros_display(self) -> str:
        return format_euros(self.euros)


@dataclass
class ClosureResult:
    closures: list
    reservations: int = 0
    held: int = 0
    families: int = 0
    euros: Decimal = Decimal("0.00")
    credit_notes: list = field(default_factory=list)


class _NewHouseholds(Exception):
    """A household booked the day between the first read and the locks: start again."""


def _range(day, last_day) -> list[datetime.date]:
    last_day = last_day or day
    if last_day < day:
        raise ClosureRefused(_("Le dernier jour doit suivre le premier."))
    count = (last_day - day).days + 1
    if count > MAX_DAYS:
        raise ClosureRefused(
            _("Une fermeture couvre au plus %(count)d jours.") % {"count": MAX_DAYS}
        )
    return [day + datetime.timedelta(days=n) for n in range(count)]


def _active(service, targets):
    """The active reservations a closure's targets ((site id or None, day) pairs) cover."""
    every_site = [d for site_id, d in targets if site_id is None]
    condition = Q(day__in=every_site) if every_site else Q(pk__in=[])
    for site_id, d in targets:
        if site_id is not None:
            condition |= Q(site_id=site_id, day=d)
    return Reservation.objects.filter(
        condition, meal_kind__service=service, status__in=selectors.ACTIVE
    )


def _sites(sites) -> list:
    return sorted({site.pk: site for site in sites or ()}.values(), key=lambda s: s.name)


def _targets(service, days, sites):
    """(targets, already closed days): the (site id or None, day) pairs to close.

    Every site: the days not closed for every site yet. Some sites: the (site, day) not
    closed yet; refused when one of the days is closed for every site already."""
    closed = set(
        Closure.objects.filter(service=service, day__in=days).values_list("site_id", "day")
    )
    all_closed = sorted(d for d in days if (None, d) in closed)
    if not sites:
        return [(None, d) for d in days if (None, d) not in closed], all_closed
    if all_closed:
        raise ClosureRefused(
            _("Le service est déjà fermé pour tous les sites le %(days)s.")
            % {"days": ", ".join(f"{d:%d/%m/%Y}" for d in all_closed)}
        )
    targets = [(site.pk, d) for d in days for site in sites if (site.pk, d) not in closed]
    open_days = {d for _site, d in targets}
    return targets, [d for d in days if d not in open_days]


def preview_closure(
    *,
    service: Service,
    day: datetime.date,
    last_day: datetime.date | None = None,
    sites=None,
) -> ClosurePreview:
    """What closing `day` (to `last_day`) at `sites` (None or empty: every site) would
    cancel: reservations, families, euros, in all and per site. Raises ClosureRefused for
    a site on a day closed for every site already."""
    sites = _sites(sites)
    targets, already = _targets(service, _range(day, last_day), sites)
    rows = list(
        _active(service, targets)
        .order_by("site__name", "site_id")
        .values_list("status", "unit_price", "child__household_id", "site_id", "site__name")
    )
    confirmed = [row for row in rows if row[0] == Reservation.Status.CONFIRMED]
    by_site = defaultdict(list)
    for row in rows:
        by_site[(row[4], row[3])].append(row)
    names = {site.pk: site for site in sites}
    per_site = [
        SitePreview(
            site=names.get(site_id, name),
            reservations=sum(1 for row in site_rows if row[0] == Reservation.Status.CONFIRMED),
            held=sum(1 for row in site_rows if row[0] != Reservation.Status.CONFIRMED),
            families=len({row[2] for row in site_rows}),
            euros=sum(
                (row[1] for row in site_rows if row[0] == Reservation.Status.CONFIRMED),
                Decimal("0.00"),
            ),
        )
        for (name, site_id), site_rows in by_site.items()
    ]
    return ClosurePreview(
        service=service,
        days=sorted({d for _site, d in targets}),
        already_closed=already,
        reservations=len(confirmed),
        held=len(rows) - len(confirmed),
        families=len({row[2] for row in rows}),
        euros=sum((row[1] for row in confirmed), Decimal("0.00")),
        sites=sites,
        per_site=per_site,
    )


def close_day(
    *,
    service: Service,
    day: datetime.date,
    reason: str,
    closed_by,
    last_day: datetime.date | None = None,
    sites=None,
    now: datetime.datetime | None = None,
) -> ClosureResult:
    """Close the service from `day` to `last_day` (one day by default) at `sites` (None or
    empty: every site), in one transaction.

    Booked meals of those days are cancelled and credited (one credit note "fermeture :
    <reason>" per household), meals held by an order awaiting payment are released (if that
    payment still arrives, the closed days are not booked and their amount stays as credit),
    every family concerned gets one e-mail. Raises ClosureRefused and changes nothing when
    the reason is missing, every day is closed already for those sites, or a site is asked
    for on a day closed for every site.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ClosureRefused(_("Indiquez le motif de la fermeture."))
    days = _range(day, last_day)
    sites = _sites(sites)
    now = now or timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return _close(service, days, sites, reason, closed_by, now)
        except _NewHouseholds:
            continue
    raise ClosureRefused(_("Des réservations arrivent en continu : réessayez dans un instant."))


def _close(service, days, sites, reason, closed_by, now) -> ClosureResult:
    targets, _already = _targets(service, days, sites)
    if not targets:
        raise ClosureRefused(_("Ces jours sont déjà fermés."))
    days = sorted({d for _site, d in targets})
    household_ids = set(_active(service, targets).values_list("child__household_id", flat=True))
    households = {h.pk: h for h in portal_services.lock_households(household_ids=household_ids)}
    if sites:
        site_ids = {site.pk for site in sites}
    else:
        site_ids = set(Enrolment.objects.filter(service=service).values_list("site_id", flat=True))
        site_ids |= set(_active(service, targets).values_list("site_id", flat=True))
    lock_site_days((site_id, d) for site_id in site_ids for d in days)
    # Another agent closing the same days waited for those locks: refuse, do not fail.
    if _targets(service, days, sites)[0] != targets:
        raise ClosureRefused(_("Ces jours viennent d'être fermés par quelqu'un d'autre."))
    try:
        with transaction.atomic():
            closures = Closure.objects.bulk_create(
                [
                    Closure(
                        service=service,
                        site_id=site_id,
                        day=d,
                        reason=reason,
                        closed_by=closed_by,
                        closed_at=now,
                    )
                    for site_id, d in targets
                ]
            )
    except IntegrityError:
        raise ClosureRefused(_("Ces jours viennent d'être fermés par quelqu'un d'autre.")) from None
    reservations = list(
        _active(service, targets)
        .select_for_update(of=("self",))
        .select_related("child", "meal_kind")
        .order_by("pk")
    )
    if {r.child.household_id for r in reservations} - set(households):
        raise _NewHouseholds()
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        status=Reservation.Status.CANCELLED
    )

    close_waiting_lists(service=service, targets=targets)
    result = ClosureResult(closures=closures)
    by_household = defaultdict(list)
    for reservation in reservations:
        by_household[reservation.child.household_id].append(reservation)
    # The figures of each Closure row: (site id, day), or (None, day) for every site.
    every_site = {d for site_id, d in targets if site_id is None}
    per_day = defaultdict(lambda: [0, Decimal("0.00"), set()])
    for household_id in sorted(by_household):
        household = households[household_id]
        cancelled = by_household[household_id]
        confirmed = [r for r in cancelled if r.status == Reservation.Status.CONFIRMED]
        plan = billing.credit_plan(
            household=household,
            service=service,
            meals=[(r, r.child, r.meal_kind) for r in confirmed],
        )
        credit_note = None
        if plan.lines:
            credit_note = ledger.issue_credit_note(
                household=household,
                service_code=service.code,
                lines=plan.lines,
                ordered_by=closed_by,
                order_reference="",
                idempotency_key=f"closure:{closures[0].pk}:{household_id}",
                reason=_("fermeture : %(reason)s") % {"reason": reason},
            )
            result.credit_notes.append(credit_note)
        for reservation, line in zip(plan.credited, plan.lines, strict=True):
            key = (None if reservation.day in every_site else reservation.site_id, reservation.day)
            per_day[key][0] += 1
            per_day[key][1] += line.unit_price * line.quantity
            per_day[key][2].add(household_id)
        result.reservations += len(confirmed)
        result.held += len(cancelled) - len(confirmed)
        result.euros += plan.total
        _queue_notice(service, household, days, sites, reason, cancelled, credit_note, closures[0])
    result.families = len(by_household)
    for closure in closures:
        count, amount, families = per_day.get(
            (closure.site_id, closure.day), (0, Decimal("0.00"), ())
        )
        if count:
            Closure.objects.filter(pk=closure.pk).update(
                cancelled_reservations=count, credited_amount=amount, families=len(families)
            )
            closure.cancelled_reservations, closure.credited_amount = count, amount
            closure.families = len(families)
    journal.record_closure(
        actor=closed_by, service=service, days=days, sites=sites, reason=reason, result=result
    )
    return result


def sites_words(sites) -> str:
    """ "Tous les sites", or the names of the sites closed."""
    return ", ".join(site.name for site in sites) if sites else _("Tous les sites")


def _queue_notice(service, household, days, sites, reason, cancelled, credit_note, closure):
    """One e-mail per family (to each of its guardians): the days closed, the meals
    cancelled, the credit."""
    commune = current_commune()
    meals = [
        {
            "child": str(r.child),
            "day": date_format(r.day, "l d/m/Y"),
            "meal": r.meal_kind.name,
            "held": r.status == Reservation.Status.HELD,
        }
        for r in sorted(cancelled, key=lambda r: (r.day, str(r.child)))
    ]
    context = {
        "commune": commune,
        "service_name": service.name,
        "reason": reason,
        "sites": ", ".join(site.name for site in sites),
        "days": [date_format(d, "l d/m/Y") for d in days],
        "meals": meals,
        "credit_number": credit_note.number if credit_note else "",
        "credit_amount": format_euros(credit_note.total) if credit_note else "",
        "planning_url": commune_url(
            commune, "booking:planning", kwargs={"service_code": service.code}
        ),
    }
    for guardian in guardians_of(household):
        queue_email(
            to=guardian.user.email,
            template="booking/closure_notice",
            context=context,
            idempotency_key=f"closure-notice:{closure.pk}:{household.pk}:{guardian.user_id}",
        )
