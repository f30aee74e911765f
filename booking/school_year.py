"""The next school year, prepared from the current one in one step, reviewed, then opened.

Services, meal kinds, sites and their places, planning groups and deadline rules are not tied
to a year: they carry over as they are, and the review shows them. What a year has of its own
is its dates and holiday zone (the calendar), its prices from a date, and its months open to
families. `school_year_prepare` writes the year (closed) and its prices; preparing again
updates the same year and the same price rows, it never duplicates them. `school_year_open`
opens the year's months to families. Both write their journal row in their transaction.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from booking import calendar
from booking.models import (
    WEEKDAY_CHOICES,
    DeadlineRule,
    MealKind,
    OpenMonth,
    PlanningGroup,
    Price,
    SchoolYear,
    Service,
    Site,
)
from ledger.money import format_euros
from portal.journal import record_staff_action

PREPARE_ACTION = "booking.school_year_prepare"
OPEN_ACTION = "booking.school_year_open"
SUMMER = "vacances d'été"
WEEKDAYS = dict(WEEKDAY_CHOICES)


class SchoolYearRefused(Exception):
    """Nothing was written; the message says why, in French."""


def current_school_year() -> SchoolYear | None:
    """The latest open year: the one the next is prepared from."""
    return SchoolYear.objects.filter(is_open=True).order_by("-first_day").first()


def prepared_school_year() -> SchoolYear | None:
    """The year prepared after the current one and not open yet, if any."""
    current = current_school_year()
    years = SchoolYear.objects.filter(is_open=False)
    if current is not None:
        years = years.filter(first_day__gt=current.last_day)
    return years.order_by("first_day").first()


def _is_summer(day: datetime.date, zone: str) -> bool | None:
    try:
        calendar._school_holiday_dates().holidays_for_year_and_zone(day.year, zone)
    except calendar.UnsupportedYearException:
        return None
    name = calendar.school_holiday_name(day, zone)
    return bool(name and name.lower() == SUMMER)


def next_year_dates(current: SchoolYear) -> tuple[datetime.date, datetime.date]:
    """The next year's first and last day from the official calendar of the zone (the day
    after the summer holidays, the day before the next ones); 52 weeks later when the
    calendar does not know them yet."""
    shifted = (
        current.first_day + datetime.timedelta(weeks=52),
        current.last_day + datetime.timedelta(weeks=52),
    )
    start = datetime.date(current.last_day.year, 8, 15)
    if _is_summer(start, current.zone) is not True:
        return shifted
    while _is_summer(start, current.zone):
        start += datetime.timedelta(days=1)
    end = datetime.date(start.year + 1, 6, 15)
    for _day in range(60):
        summer = _is_summer(end, current.zone)
        if summer is None:
            return start, shifted[1]
        if summer:
            return start, end - datetime.timedelta(days=1)
        end += datetime.timedelta(days=1)
    return start, shifted[1]


def months_of(first_day: datetime.date, last_day: datetime.date) -> list[datetime.date]:
    months, month = [], first_day.replace(day=1)
    while month <= last_day:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _price_on(prices: list[Price], day: datetime.date) -> Price | None:
    """`prices` of one meal kind, latest start first."""
    return next(
        (
            p
            for p in prices
            if p.valid_from <= day and (p.valid_until is None or day <= p.valid_until)
        ),
        None,
    )


@dataclass(frozen=True)
class PriceRow:
    meal_kind: MealKind
    current: Decimal | None
    next: Decimal | None
    next_from: datetime.date | None

    @property
    def current_display(self) -> str:
        return format_euros(self.current) if self.current is not None else "—"

    @property
    def next_display(self) -> str:
        return format_euros(self.next) if self.next is not None else "—"


@dataclass(frozen=True)
class SchoolYearReview:
    current: SchoolYear | None
    prepared: SchoolYear | None
    first_day: datetime.date | None  # the prepared year's, or the proposed ones
    last_day: datetime.date | None
    prices: list  # PriceRow per meal kind of the open services
    sites: list
    groups: list  # (name, its weekdays in French)
    deadlines: list
    months: list  # of the prepared (or proposed) year
    open_months: set  # already open among them


def school_year_review() -> SchoolYearReview:
    """Everything the next year takes over, for the agent to check before opening it.
    A fixed number of queries."""
    current = current_school_year()
    prepared = prepared_school_year()
    if prepared is not None:
        first_day, last_day = prepared.first_day, prepared.last_day
    elif current is not None:
        first_day, last_day = next_year_dates(current)
    else:
        first_day = last_day = None
    kinds = list(
        MealKind.objects.filter(service__is_active=True)
        .select_related("service")
        .order_by("service__position", "service__name", "position", "name")
    )
    by_kind: dict[int, list[Price]] = {k.pk: [] for k in kinds}
    for price in Price.objects.filter(meal_kind__in=kinds).order_by("-valid_from"):
        by_kind[price.meal_kind_id].append(price)
    rows = []
    for kind in kinds:
        now_price = _price_on(by_kind[kind.pk], current.last_day) if current else None
        next_price = None
        if first_day:
            # The price the new year sets (from its first day or later), else the one running.
            next_price = next(
                (p for p in by_kind[kind.pk] if first_day <= p.valid_from <= last_day),
                None,
            ) or _price_on(by_kind[kind.pk], first_day)
        rows.append(
            PriceRow(
                meal_kind=kind,
                current=now_price.amount if now_price else None,
                next=next_price.amount if next_price else None,
                next_from=next_price.valid_from if next_price else None,
            )
        )
    months = months_of(first_day, last_day) if first_day else []
    return SchoolYearReview(
        current=current,
        prepared=prepared,
        first_day=first_day,
        last_day=last_day,
        prices=rows,
        sites=list(Site.objects.order_by("name")),
        groups=[
            (group.name, ", ".join(str(WEEKDAYS[d]) for d in sorted(group.weekdays)))
            for group in PlanningGroup.objects.order_by("name")
        ],
        deadlines=list(
            DeadlineRule.objects.filter(service__is_active=True)
            .select_related("service")
            .order_by("service__name", "action")
        ),
        months=months,
        open_months=set(
            OpenMonth.objects.filter(service__is_active=True, month__in=months).values_list(
                "month", flat=True
            )
        ),
    )


def school_year_prepare(
    *,
    actor,
    first_day: datetime.date | None = None,
    last_day: datetime.date | None = None,
    zone: str | None = None,
    prices_from: datetime.date | None = None,
    prices: dict[int, Decimal] | None = None,
) -> SchoolYear:
    """Prepare the year after the current one, closed to families: its dates and zone
    (by default from the official calendar and the current zone), and for every meal kind
    of the open services a price from `prices_from` (by default the first day): the amount
    given in `prices` (meal kind id → euros), else the current one. Preparing again updates
    the same rows. Raises SchoolYearRefused and writes nothing on bad input."""
    prices = prices or {}
    with transaction.atomic():
        current = (
            SchoolYear.objects.select_for_update().filter(is_open=True).order_by("-first_day")
        ).first()
        if current is None:
            raise SchoolYearRefused(_("Aucune année scolaire en cours à reprendre."))
        default_first, default_last = next_year_dates(current)
        first_day, last_day = first_day or default_first, last_day or default_last
        zone = zone or current.zone
        prices_from = prices_from or first_day
        if zone not in SchoolYear.Zone.values:
            raise SchoolYearRefused(_("Zone de vacances inconnue."))
        if first_day <= current.last_day:
            raise SchoolYearRefused(
                _("La nouvelle année doit commencer après le %(day)s.")
                % {"day": current.last_day.strftime("%d/%m/%Y")}
            )
        if not first_day < last_day <= first_day + datetime.timedelta(days=366):
            raise SchoolYearRefused(_("Le dernier jour doit suivre le premier, dans l'année."))
        if not first_day <= prices_from <= last_day:
            raise SchoolYearRefused(_("Les tarifs doivent commencer pendant la nouvelle année."))
        year = (
            SchoolYear.objects.select_for_update()
            .filter(first_day__gt=current.last_day)
            .order_by("first_day")
            .first()
        )
        if year is not None and year.is_open:
            raise SchoolYearRefused(_("L'année suivante est déjà ouverte."))
        if year is None:
            year = SchoolYear(is_open=False)
        year.first_day, year.last_day, year.zone = first_day, last_day, zone
        year.save()
        changed = _prepare_prices(current, year, prices_from, prices)
        record_staff_action(
            actor=actor,
            action=PREPARE_ACTION,
            summary=_("Année scolaire %(year)s préparée (du %(first)s au %(last)s, %(zone)s)")
            % {
                "year": str(year),
                "first": first_day.strftime("%d/%m/%Y"),
                "last": last_day.strftime("%d/%m/%Y"),
                "zone": year.get_zone_display(),
            },
            details={"school_year_id": year.pk, "prices": changed},
        )
    return year


def _prepare_prices(current, year, prices_from, prices) -> dict:
    kinds = list(MealKind.objects.filter(service__is_active=True).select_related("service"))
    unknown = set(prices) - {k.pk for k in kinds}
    if unknown:
        raise SchoolYearRefused(_("Type de repas inconnu."))
    existing: dict[int, list[Price]] = {k.pk: [] for k in kinds}
    for price in Price.objects.filter(meal_kind__in=kinds).order_by("-valid_from"):
        existing[price.meal_kind_id].append(price)
    changed = {}
    for kind in kinds:
        amount = prices.get(kind.pk)
        if amount is None:
            now_price = _price_on(existing[kind.pk], current.last_day)
            if now_price is None:
                continue
            amount = now_price.amount
        amount = Decimal(amount).quantize(Decimal("0.01"))
        if amount < 0 or amount > kind.service.price_ceiling:
            raise SchoolYearRefused(
                _("%(kind)s : le tarif %(amount)s n'est pas entre 0 et %(ceiling)s.")
                % {
                    "kind": kind.name,
                    "amount": format_euros(amount),
                    "ceiling": format_euros(kind.service.price_ceiling),
                }
            )
        # A price of the new year that began another day (an earlier preparation) moves.
        Price.objects.filter(
            meal_kind=kind, valid_from__gte=year.first_day, valid_from__lte=year.last_day
        ).exclude(valid_from=prices_from).delete()
        Price.objects.update_or_create(
            meal_kind=kind, valid_from=prices_from, defaults={"amount": amount}
        )
        changed[str(kind.pk)] = str(amount)
    return changed


def school_year_open(
    *, actor, school_year: SchoolYear, months: list[datetime.date] | None = None
) -> SchoolYear:
    """Open the prepared year: it becomes the current one and its months (every month by
    default) open to families on every open service. Opening again adds only the months
    not open yet."""
    with transaction.atomic():
        year = SchoolYear.objects.select_for_update().filter(pk=school_year.pk).first()
        if year is None:
            raise SchoolYearRefused(_("Cette année scolaire n'existe plus."))
        all_months = months_of(year.first_day, year.last_day)
        wanted = sorted(set(all_months if months is None else months))
        if not wanted or set(wanted) - set(all_months):
            raise SchoolYearRefused(_("Choisissez des mois de l'année scolaire."))
        services = list(Service.objects.filter(is_active=True))
        already = set(
            OpenMonth.objects.filter(service__in=services, month__in=wanted).values_list(
                "service_id", "month"
            )
        )
        new = [
            OpenMonth(service=service, month=month)
            for service in services
            for month in wanted
            if (service.pk, month) not in already
        ]
        OpenMonth.objects.bulk_create(new, ignore_conflicts=True)
        was_open = year.is_open
        if not was_open:
            year.is_open = True
            year.save(update_fields=["is_open"])
        if new or not was_open:
            record_staff_action(
                actor=actor,
                action=OPEN_ACTION,
                summary=_("Année scolaire %(year)s ouverte aux familles (%(count)d mois)")
                % {"year": str(year), "count": len({m.month for m in new})},
                details={
                    "school_year_id": year.pk,
                    "months": sorted({m.month.isoformat() for m in new}),
                },
            )
    return year
