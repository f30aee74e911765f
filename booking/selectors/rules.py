"""Reads a service's rules are judged with: services, sites, open months, cell keys, the
ServiceRules of a service (calendars, prices, deadlines, capacity, closures), loaded in bulk.
A household's enrolments, reservations and the places taken: booking/selectors/household.py."""

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.db import connection
from django.db.models import DateField, ExpressionWrapper, Subquery
from django.utils.translation import gettext as _

from booking import calendar
from booking.models import (
    Closure,
    DeadlineRule,
    ExceptionalDay,
    MealKind,
    OpenMonth,
    Price,
    PriceBracket,
    Reservation,
    SchoolYear,
    Service,
    Site,
    SiteDay,
)
from booking.selectors import one_query
from booking.selectors.rules_cache import rules_cache
from portal.quotients import quotient_on
from tenants.compiled import compiled_query

ACTIVE = [Reservation.Status.CONFIRMED, Reservation.Status.HELD]


def bracket_amount(price: Price, quotient: Decimal | None) -> Decimal:
    """The amount of `price` for a QF: its bracket (QF at most the bracket's maximum, the
    open bracket above), the grid's highest amount with no QF known, the price itself
    without a grid. `price.bracket_list` is loaded in bulk by service_rules()."""
    brackets = getattr(price, "bracket_list", None)
    if brackets is None:
        brackets = list(price.brackets.all())
    if not brackets:
        return price.amount
    if quotient is None:
        return max(bracket.amount for bracket in brackets)
    for bracket in brackets:
        if bracket.qf_max is None or quotient <= bracket.qf_max:
            return bracket.amount
    return max(bracket.amount for bracket in brackets)


def price_on(prices: list[Price], day) -> Price | None:
    for price in prices:
        if price.valid_from <= day and (price.valid_until is None or day <= price.valid_until):
            return price
    return None


def bracket_label(prices: list[Price], day, unit_price) -> str:
    """ "Tarif QF 2" for a line frozen at the 2nd bracket's amount of the price of its day,
    "" without a grid. The parent sees the bracket, never the QF value."""
    price = price_on(prices, day)
    for rank, bracket in enumerate(price.bracket_list if price else [], start=1):
        if bracket.amount == unit_price:
            return _("Tarif QF %d") % rank
    return ""


def active_services():
    return Service.objects.filter(is_active=True).order_by("position", "name")


def service_by_code(code: str) -> Service | None:
    """An active service, from this process's copy (booking/selectors/rules_cache.py: any
    write to the services' table refreshes it); None for an unknown code, never stored."""
    return rules_cache.get(
        (connection.schema_name, "service", code), lambda: _active_service.first(code=code)
    )


@compiled_query
def _active_service(code):
    return Service.objects.filter(code=code, is_active=True).order_by("pk")[:1]


def sites():
    return Site.objects.order_by("name")


def site_by_id(site_id) -> Site | None:
    """A site from a query string's id, None for anything else."""
    if not str(site_id).isdecimal() or len(str(site_id)) > 9:
        return None
    return Site.objects.filter(pk=int(site_id)).first()


def open_months(service) -> list[datetime.date]:
    return list(OpenMonth.objects.filter(service=service).values_list("month", flat=True))


def cell_key(child_id: int, meal_kind_id: int, day: datetime.date) -> str:
    return f"r-{child_id}-{meal_kind_id}-{day.isoformat()}"


def parse_cell_key(key: str) -> tuple[int, int, datetime.date] | None:
    try:
        prefix, child_id, meal_kind_id, day = key.split("-", 3)
        if prefix != "r":
            return None
        return int(child_id), int(meal_kind_id), datetime.date.fromisoformat(day)
    except ValueError:
        return None


@dataclass
class ServiceRules:
    """Everything needed to judge a (child, meal kind, day), loaded once for a service."""

    service: Service
    months: list
    meal_kinds: list
    prices: dict
    calendars: list
    exceptional_days: dict
    deadlines: dict
    capacity_overrides: dict
    exceptional_labels: dict = field(default_factory=dict)  # (meal kind id, day) → label
    closures: dict = field(default_factory=dict)  # day → reason (every site)
    site_closures: dict = field(default_factory=dict)  # (site id, day) → reason (one site)

    def calendar_for(self, day) -> calendar.SchoolCalendar | None:
        for school_calendar in self.calendars:
            if school_calendar.first_day <= day <= school_calendar.last_day:
                return school_calendar
        return None

    def in_open_months(self, day) -> bool:
        return day.replace(day=1) in self.months

    def days_for(self, meal_kind, planning_group, month) -> list[datetime.date]:
        days = []
        if meal_kind.is_exceptional:
            for day in self.exceptional_days.get(meal_kind.pk, []):
                school_calendar = self.calendar_for(day)
                if (
                    day.replace(day=1) == month
                    and school_calendar
                    and day not in school_calendar.closures
                ):
                    days.append(day)
            return sorted(days)
        for school_calendar in self.calendars:
            days += school_calendar.planning_days(month, planning_group.weekdays)
        return sorted(days)

    def is_planned(self, meal_kind, planning_group, day) -> bool:
        return self.in_open_months(day) and day in self.days_for(
            meal_kind, planning_group, day.replace(day=1)
        )

    def price_row(self, meal_kind, day) -> Price | None:
        return price_on(self.prices.get(meal_kind.pk, []), day)

    def price(self, meal_kind, day, quotients=()) -> Decimal | None:
        """The unit price of a meal on `day` for a household whose QF rows are
        `quotients` (portal.quotients.quotients_of): the one price lookup of the draft,
        the grid and the checks."""
        price = self.price_row(meal_kind, day)
        if price is None:
            return None
        return bracket_amount(price, quotient_on(quotients, day))

    def cutoff(self, action, day) -> datetime.datetime:
        rule = self.deadlines.get(action)
        if rule is None:  # no rule: until the day itself begins
            return datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=calendar.PARIS)
        return calendar.rule_cutoff(rule, day)

    def closed_days_for(self, meal_kind, planning_group, month) -> list[datetime.date]:
        """Closure days the meal kind would have been served, shown "fermé : <motif>"."""
        days = []
        for day in sorted(self.closures):
            if day.replace(day=1) != month:
                continue
            school_calendar = self.calendar_for(day)
            if school_calendar is None:
                continue
            if meal_kind.is_exceptional:
                served = day in self.exceptional_days.get(meal_kind.pk, [])
            else:
                served = day.weekday() in planning_group.weekdays
            if served and not calendar.is_public_holiday(day):
                days.append(day)
        return days

    def off_day_words(self, day) -> str:
        """Why a day of the month has no box: said in words, not left blank."""
        if calendar.is_public_holiday(day):
            return _("férié")
        school_calendar = self.calendar_for(day)
        if (
            school_calendar
            and calendar.school_holiday_name(day, school_calendar.zone)
            and day.weekday() not in school_calendar.holiday_weekdays
        ):
            return _("vacances")
        if day in self.closures:
            return closed_words(self.closures[day])
        return _("pas de repas")

    def closure_reason(self, site_id, day) -> str | None:
        """Why the service is closed that day at that site (every site, or that one), or
        None when it is open: the one closure check of the grid, the draft, the re-check
        under the locks and a late payment's confirmation."""
        if day in self.closures:
            return self.closures[day]
        return self.site_closures.get((site_id, day))

    def capacity(self, site, day) -> int:
        override = self.capacity_overrides.get((site.pk, day))
        return site.default_capacity if override is None else override

    def has_room(self, taken, enrolment, day) -> bool:
        """The one capacity check, shared by the grid, the draft, the re-check under the
        locks and a late payment's confirmation: a place is left at the child's site."""
        return taken[(enrolment.site_id, day)] < self.capacity(enrolment.site, day)


def _closures_of(service_id: int):
    return Closure.objects.filter(service_id=service_id).values("site_id", "day", "reason")


_closures = compiled_query(_closures_of)


def _split_closures(rows) -> tuple[dict, dict]:
    """(day → reason of a closure of every site, (site id, day) → reason of one site's)."""
    closures, site_closures = {}, {}
    for row in rows:
        if row["site_id"] is None:
            closures[row["day"]] = row["reason"]
        else:
            site_closures[(row["site_id"], row["day"])] = row["reason"]
    return closures, site_closures


@lru_cache(maxsize=1024)
def _rules_statement(service_id: int) -> one_query.Statement:
    """service_rules' statement, compiled once per process and service id (compiling the
    nine querysets cost more than running them)."""
    months_of_service = OpenMonth.objects.filter(service_id=service_id).order_by("month")
    first = Subquery(months_of_service.values("month")[:1])
    last = Subquery(months_of_service.reverse().values("month")[:1])
    return one_query.prepare(
        {
            "months": months_of_service.values("month"),
            "closures": _closures_of(service_id),
            "years": SchoolYear.objects.all(),
            "brackets": PriceBracket.objects.filter(price__meal_kind__service_id=service_id),
            "prices": Price.objects.filter(meal_kind__service_id=service_id).order_by(
                "-valid_from"
            ),
            "exceptional": ExceptionalDay.objects.filter(meal_kind__service_id=service_id).values(
                "meal_kind_id", "day", "label"
            ),
            "overrides": SiteDay.objects.filter(
                capacity__isnull=False,
                day__gte=first,
                day__lte=ExpressionWrapper(
                    last + datetime.timedelta(days=31), output_field=DateField()
                ),
            )
            .order_by()
            .values("site_id", "day", "capacity"),
            "meal_kinds": MealKind.objects.filter(service_id=service_id).order_by(
                "position", "name"
            ),
            "deadlines": DeadlineRule.objects.filter(service_id=service_id),
        }
    )


def service_rules(service) -> ServiceRules:
    """The service's rules, from this process's copy while no rules table was written
    (booking/selectors/rules_cache.py), else read_service_rules'."""
    rules = rules_cache.get(
        (connection.schema_name, service.pk), lambda: read_service_rules(service)
    )
    return rules if rules.service is service else dataclasses.replace(rules, service=service)


def read_service_rules(service) -> ServiceRules:
    """Everything the service's rules need, read in one statement (booking/selectors/
    one_query.py): open months, closures, school years, prices and their QF grids,
    exceptional days, capacity overrides, meal kinds, deadlines."""
    rows = one_query.run(_rules_statement(service.pk))
    closures, site_closures = _split_closures(rows["closures"])
    holiday_weekdays = calendar.WORKING_WEEK if service.open_in_school_holidays else frozenset()
    calendars = [
        calendar.SchoolCalendar(
            year.first_day, year.last_day, year.zone, frozenset(closures), holiday_weekdays
        )
        for year in rows["years"]
    ]
    brackets = defaultdict(list)
    for bracket in rows["brackets"]:
        brackets[bracket.price_id].append(bracket)
    prices = defaultdict(list)
    for price in rows["prices"]:
        price.bracket_list = brackets.get(price.pk, [])
        prices[price.meal_kind_id].append(price)
    exceptional, labels = defaultdict(list), {}
    for row in rows["exceptional"]:
        exceptional[row["meal_kind_id"]].append(row["day"])
        labels[(row["meal_kind_id"], row["day"])] = row["label"]
    return ServiceRules(
        service=service,
        months=[row["month"] for row in rows["months"]],
        meal_kinds=rows["meal_kinds"],
        prices=prices,
        calendars=calendars,
        exceptional_days=exceptional,
        deadlines={rule.action: rule for rule in rows["deadlines"]},
        capacity_overrides={
            (row["site_id"], row["day"]): row["capacity"] for row in rows["overrides"]
        },
        exceptional_labels=labels,
        closures=closures,
        site_closures=site_closures,
    )


def rules_under_locks(rules: ServiceRules, capacities: dict) -> ServiceRules:
    """The rules read before the places' locks, with what those locks protect read again:
    the closures (a closure commits under the same SiteDay locks: one query) and the locked
    days' capacity, as the lock statement returned it (booking/services/rules.py)."""
    closures, site_closures = _split_closures(_closures.fetch(service_id=rules.service.pk))
    overrides = dict(rules.capacity_overrides)
    for key, capacity in capacities.items():
        if capacity is None:
            overrides.pop(key, None)
        else:
            overrides[key] = capacity
    return dataclasses.replace(
        rules,
        calendars=[
            dataclasses.replace(school_calendar, closures=frozenset(closures))
            for school_calendar in rules.calendars
        ],
        capacity_overrides=overrides,
        closures=closures,
        site_closures=site_closures,
    )


def closed_days(service, first: datetime.date, last: datetime.date) -> dict:
    """(site id, day) → reason of the service's closures between two days; the site id is
    None for a closure of every site (ServiceRules.closure_reason reads it the same way)."""
    return {
        (site_id, day): reason
        for site_id, day, reason in Closure.objects.filter(
            service=service, day__range=(first, last)
        ).values_list("site_id", "day", "reason")
    }


def is_closed(closed: dict, site_id, day: datetime.date) -> bool:
    """Whether `closed_days` closes that day at that site (every site, or that one)."""
    return (None, day) in closed or (site_id, day) in closed


def is_postpaid(service) -> bool:
    """Whether the service bills its meals after the month (a waiting family's meal is
    booked at once) rather than paid before (the freed place is kept for it to pay). Until
    `Service.billing_mode` exists every service is prepaid."""
    return getattr(service, "billing_mode", "prepaid") == "monthly"


def closed_words(reason: str) -> str:
    return _("fermé : %(reason)s") % {"reason": reason} if reason else _("fermé")
