"""Reads: the planning grid, prices, places, recaps. Query counts do not grow with the
number of children, months or days: everything is loaded in bulk, then computed."""

import dataclasses
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from booking import calendar
from booking.models import (
    Closure,
    DeadlineRule,
    Enrolment,
    ExceptionalDay,
    MealKind,
    OpenMonth,
    Order,
    OrderLine,
    Price,
    Reservation,
    SchoolYear,
    Service,
    SiteDay,
)

ACTIVE = [Reservation.Status.CONFIRMED, Reservation.Status.HELD]


def active_services():
    return Service.objects.filter(is_active=True).order_by("position", "name")


def service_by_code(code: str) -> Service | None:
    return Service.objects.filter(code=code, is_active=True).first()


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
    closures: dict = field(default_factory=dict)  # day → reason

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

    def closed_days_for(self, meal_kind, planning_group, month) -> list[datetime.date]:
        """Days that would be served but for a closure: the grid shows them "fermé"."""
        days = []
        for day in self.closures:
            school_calendar = self.calendar_for(day)
            if day.replace(day=1) != month or school_calendar is None:
                continue
            if meal_kind.is_exceptional:
                if day in self.exceptional_days.get(meal_kind.pk, []):
                    days.append(day)
            elif day.weekday() in planning_group.weekdays and dataclasses.replace(
                school_calendar, closures=frozenset()
            ).is_open(day):
                days.append(day)
        return sorted(days)

    def is_planned(self, meal_kind, planning_group, day) -> bool:
        return self.in_open_months(day) and day in self.days_for(
            meal_kind, planning_group, day.replace(day=1)
        )

    def price(self, meal_kind, day) -> Decimal | None:
        for price in self.prices.get(meal_kind.pk, []):
            if price.valid_from <= day and (price.valid_until is None or day <= price.valid_until):
                return price.amount
        return None

    def cutoff(self, action, day) -> datetime.datetime:
        rule = self.deadlines.get(action)
        if rule is None:  # no rule: until the day itself begins
            return datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=calendar.PARIS)
        return calendar.rule_cutoff(rule, day)

    def capacity(self, site, day) -> int:
        override = self.capacity_overrides.get((site.pk, day))
        return site.default_capacity if override is None else override


def service_rules(service) -> ServiceRules:
    months = open_months(service)
    closures = dict(Closure.objects.filter(service=service).values_list("day", "reason"))
    calendars = [
        calendar.SchoolCalendar(year.first_day, year.last_day, year.zone, frozenset(closures))
        for year in SchoolYear.objects.all()
    ]
    prices = defaultdict(list)
    for price in Price.objects.filter(meal_kind__service=service).order_by("-valid_from"):
        prices[price.meal_kind_id].append(price)
    exceptional = defaultdict(list)
    for meal_kind_id, day in ExceptionalDay.objects.filter(meal_kind__service=service).values_list(
        "meal_kind_id", "day"
    ):
        exceptional[meal_kind_id].append(day)
    overrides = {}
    if months:
        first, last = min(months), max(months) + datetime.timedelta(days=31)
        overrides = {
            (site_id, day): capacity
            for site_id, day, capacity in SiteDay.objects.filter(
                day__range=(first, last), capacity__isnull=False
            ).values_list("site_id", "day", "capacity")
        }
    return ServiceRules(
        service=service,
        months=months,
        meal_kinds=list(MealKind.objects.filter(service=service).order_by("position", "name")),
        prices=prices,
        calendars=calendars,
        exceptional_days=exceptional,
        deadlines={rule.action: rule for rule in DeadlineRule.objects.filter(service=service)},
        capacity_overrides=overrides,
        closures=closures,
    )


def closed_days(service, first: datetime.date, last: datetime.date) -> dict:
    """day → reason of the service's closures between two days."""
    return dict(
        Closure.objects.filter(service=service, day__range=(first, last)).values_list(
            "day", "reason"
        )
    )


def places_taken(site_ids, first: datetime.date, last: datetime.date) -> Counter:
    """(site id, day) → meals reserved or held."""
    rows = (
        Reservation.objects.filter(
            site_id__in=site_ids, day__range=(first, last), status__in=ACTIVE
        )
        .values("site_id", "day")
        .annotate(n=Count("id"))
    )
    return Counter({(row["site_id"], row["day"]): row["n"] for row in rows})


def enrolments_of(household, service):
    return list(
        Enrolment.objects.filter(child__household=household, service=service)
        .select_related("child", "site", "planning_group")
        .order_by("child__birth_date", "child__first_name")
    )


def household_reservations(household, service, first, last) -> dict:
    """(child id, meal kind id, day) → active reservation."""
    return {
        (r.child_id, r.meal_kind_id, r.day): r
        for r in Reservation.objects.filter(
            child__household=household,
            meal_kind__service=service,
            day__range=(first, last),
            status__in=ACTIVE,
        )
    }


# The planning grid ---------------------------------------------------------------------


@dataclass
class DayCell:
    day: datetime.date
    key: str
    checked: bool
    state: str  # "reserved", "held", "free" or "closed"
    disabled: bool
    reason: str
    deadline_text: str

    @property
    def weekday(self) -> int:
        return self.day.weekday()


@dataclass
class MonthTab:
    month: datetime.date
    label: str
    cells: list
    weeks: list = field(default_factory=list)

    @property
    def weekdays(self) -> list[int]:
        return sorted({cell.weekday for cell in self.cells})

    @property
    def columns(self) -> list[str]:
        width = len(self.weeks[0]) if self.weeks else 5
        return [_("Lun"), _("Mar"), _("Mer"), _("Jeu"), _("Ven"), _("Sam"), _("Dim")][:width]


@dataclass
class KindTab:
    meal_kind: MealKind
    months: list


@dataclass
class ChildTab:
    child: object
    enrolment: Enrolment
    kinds: list


@dataclass
class Planning:
    service: Service
    children: list
    rules: ServiceRules

    def cells(self):
        for child_tab in self.children:
            for kind_tab in child_tab.kinds:
                for month_tab in kind_tab.months:
                    yield child_tab, kind_tab, month_tab


def month_weeks(month, cells) -> list[list]:
    """Rows Monday→Friday (or →Sunday if a weekend day is served) for a calendar table."""
    by_day = {cell.day: cell for cell in cells}
    width = 7 if any(cell.weekday >= 5 for cell in cells) else 5
    weeks, week = [], [None] * width
    for day in calendar.month_days(month):
        if day.weekday() < width:
            week[day.weekday()] = by_day.get(day, day)
        if day.weekday() == 6 or day == calendar.month_days(month)[-1]:
            if any(week):
                weeks.append(week)
            week = [None] * width
    return weeks


def judge_cell(rules, enrolment, meal_kind, day, reservation, taken, now, wanted=None):
    """The state of one checkbox: checked, disabled and why, and its cut-off."""
    key = cell_key(enrolment.child_id, meal_kind.pk, day)
    if reservation is not None and reservation.status == Reservation.Status.HELD:
        return DayCell(day, key, True, "held", True, _("en attente de paiement"), "")
    reserved = reservation is not None
    action = DeadlineRule.Action.CANCEL if reserved else DeadlineRule.Action.BOOK
    cutoff = rules.cutoff(action, day)
    deadline_text = calendar.describe_cutoff(cutoff)
    checked = reserved if wanted is None else key in wanted
    if now >= cutoff:
        return DayCell(
            day,
            key,
            reserved,
            "reserved" if reserved else "free",
            True,
            _("délai dépassé"),
            _("modifiable jusqu'au %(when)s") % {"when": deadline_text},
        )
    full = taken[(enrolment.site_id, day)] >= rules.capacity(enrolment.site, day)
    if full and not reserved:
        return DayCell(day, key, False, "free", True, _("complet"), _("plus de place disponible"))
    return DayCell(
        day,
        key,
        checked,
        "reserved" if reserved else "free",
        False,
        "",
        _("modifiable jusqu'au %(when)s") % {"when": deadline_text},
    )


def closed_cell(rules, enrolment, meal_kind, day) -> DayCell:
    """A day the commune closed: shown, never bookable, with the reason."""
    reason = rules.closures.get(day, "")
    text = _("fermé : %(reason)s") % {"reason": reason} if reason else _("fermé")
    return DayCell(
        day, cell_key(enrolment.child_id, meal_kind.pk, day), False, "closed", True, text, ""
    )


def planning_for(household, service, now=None, wanted=None) -> Planning:
    """The grid: child tabs → meal kind tabs → month tabs → one cell per open day.

    `wanted` (a set of cell keys) shows a posted state instead of the stored one.
    """
    now = now or timezone.now()
    rules = service_rules(service)
    enrolments = enrolments_of(household, service)
    months = sorted(rules.months)
    if not months or not enrolments:
        return Planning(service=service, children=[], rules=rules)
    first = months[0]
    last = calendar.month_days(months[-1])[-1]
    reservations = household_reservations(household, service, first, last)
    taken = places_taken({e.site_id for e in enrolments}, first, last)
    children = []
    for enrolment in enrolments:
        kinds = []
        for meal_kind in rules.meal_kinds:
            month_tabs = []
            for month in months:
                cells = [
                    judge_cell(
                        rules,
                        enrolment,
                        meal_kind,
                        day,
                        reservations.get((enrolment.child_id, meal_kind.pk, day)),
                        taken,
                        now,
                        wanted,
                    )
                    for day in rules.days_for(meal_kind, enrolment.planning_group, month)
                ]
                closed = rules.closed_days_for(meal_kind, enrolment.planning_group, month)
                if closed:
                    cells = sorted(
                        cells + [closed_cell(rules, enrolment, meal_kind, d) for d in closed],
                        key=lambda cell: cell.day,
                    )
                tab = MonthTab(month, date_format(month, "F Y"), cells)
                tab.weeks = month_weeks(month, cells)
                month_tabs.append(tab)
            if any(tab.cells for tab in month_tabs):
                kinds.append(KindTab(meal_kind, month_tabs))
        children.append(ChildTab(enrolment.child, enrolment, kinds))
    return Planning(service=service, children=children, rules=rules)


# The recap -----------------------------------------------------------------------------


@dataclass
class RecapRow:
    child_name: str
    meal_kind: str
    cancelled_quantity: int
    cancelled_price: Decimal
    cancelled_amount: Decimal
    ordered_quantity: int
    ordered_price: Decimal
    ordered_amount: Decimal


@dataclass
class Recap:
    order: Order
    opening_balance: Decimal
    rows: list
    total_credit: Decimal
    total_debit: Decimal

    @property
    def opening_debit(self) -> Decimal:
        return -self.opening_balance

    @property
    def closing_balance(self) -> Decimal:
        return self.opening_balance + self.total_credit - self.total_debit

    @property
    def amount_to_pay(self) -> Decimal:
        return max(Decimal("0.00"), -self.closing_balance)

    @property
    def needs_payment(self) -> bool:
        return self.amount_to_pay > 0


def order_lines(order):
    return list(
        OrderLine.objects.filter(order=order)
        .select_related("child", "meal_kind")
        .order_by("child__birth_date", "child__first_name", "meal_kind__position", "day")
    )


def order_recap(order, lines=None) -> Recap:
    """The manual's "Récapitulatif réservations": balance, per child × meal kind the
    cancelled and ordered meals, then what is to pay or the new balance."""
    from ledger import selectors as ledger_selectors

    lines = order_lines(order) if lines is None else lines
    groups = defaultdict(lambda: {"add": [], "cancel": []})
    for line in lines:
        groups[(line.child, line.meal_kind)][line.action].append(line)
    rows = []
    for (child, meal_kind), actions in groups.items():
        cancelled, ordered = actions["cancel"], actions["add"]
        rows.append(
            RecapRow(
                child_name=str(child),
                meal_kind=meal_kind.name,
                cancelled_quantity=len(cancelled),
                cancelled_price=cancelled[0].unit_price if cancelled else Decimal("0.00"),
                cancelled_amount=sum((line.unit_price for line in cancelled), Decimal("0.00")),
                ordered_quantity=len(ordered),
                ordered_price=ordered[0].unit_price if ordered else Decimal("0.00"),
                ordered_amount=sum((line.unit_price for line in ordered), Decimal("0.00")),
            )
        )
    return Recap(
        order=order,
        opening_balance=ledger_selectors.balance(order.household, order.service.code),
        rows=rows,
        total_credit=sum((row.cancelled_amount for row in rows), Decimal("0.00")),
        total_debit=sum((row.ordered_amount for row in rows), Decimal("0.00")),
    )


def wanted_keys_of_draft(order) -> set[str]:
    """The grid as the draft would leave it, to go back to it with "Modifier"."""
    months = open_months(order.service)
    if not months:
        return set()
    first, last = min(months), calendar.month_days(max(months))[-1]
    current = household_reservations(order.household, order.service, first, last)
    wanted = {cell_key(*key) for key in current}
    for line in order_lines(order):
        key = cell_key(line.child_id, line.meal_kind_id, line.day)
        if line.action == OrderLine.Action.ADD:
            wanted.add(key)
        else:
            wanted.discard(key)
    return wanted


def order_of_household(household, order_id) -> Order | None:
    return (
        Order.objects.select_related("service", "household", "created_by")
        .filter(household=household, pk=order_id)
        .first()
    )


def count_reservations_this_month() -> int:
    today = timezone.localdate()
    return Reservation.objects.filter(
        status=Reservation.Status.CONFIRMED,
        day__year=today.year,
        day__month=today.month,
    ).count()


def kitchen_list(day: datetime.date, site=None):
    """Meals reserved on `day`: per site and meal kind, the children with class and group."""
    reservations = (
        Reservation.objects.filter(day=day, status=Reservation.Status.CONFIRMED)
        .filter(Q(site=site) if site else Q())
        .select_related("child", "meal_kind", "site")
        .order_by("site__name", "meal_kind__position", "child__last_name", "child__first_name")
    )
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
