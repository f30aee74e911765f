"""Reads: the planning grid, prices, places, recaps. Query counts do not grow with the
number of children, months or days: everything is loaded in bulk, then computed."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from booking import calendar, one_meal
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
    Site,
    SiteDay,
)

ACTIVE = [Reservation.Status.CONFIRMED, Reservation.Status.HELD]


def active_services():
    return Service.objects.filter(is_active=True).order_by("position", "name")


def service_by_code(code: str) -> Service | None:
    return Service.objects.filter(code=code, is_active=True).first()


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
        if school_calendar and calendar.school_holiday_name(day, school_calendar.zone):
            return _("vacances")
        if day in self.closures:
            return closed_words(self.closures[day])
        return _("pas de repas")

    def capacity(self, site, day) -> int:
        override = self.capacity_overrides.get((site.pk, day))
        return site.default_capacity if override is None else override

    def has_room(self, taken, enrolment, day) -> bool:
        """The one capacity check, shared by the grid, the draft, the re-check under the
        locks and a late payment's confirmation: a place is left at the child's site."""
        return taken[(enrolment.site_id, day)] < self.capacity(enrolment.site, day)


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
    exceptional, labels = defaultdict(list), {}
    for meal_kind_id, day, label in ExceptionalDay.objects.filter(
        meal_kind__service=service
    ).values_list("meal_kind_id", "day", "label"):
        exceptional[meal_kind_id].append(day)
        labels[(meal_kind_id, day)] = label
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
        exceptional_labels=labels,
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


def closed_words(reason: str) -> str:
    return _("fermé : %(reason)s") % {"reason": reason} if reason else _("fermé")


@dataclass
class DayCell:
    day: datetime.date
    key: str
    checked: bool
    state: str  # "reserved", "held", "free" or "closed"
    disabled: bool
    reason: str
    deadline_text: str
    deadline_short: str = ""  # the phone's form: "jusqu'au 05/01 10:00"
    # One meal a day (booking/one_meal.py): the exceptional meal's name and price, or which
    # meal replaces this one; `group` is shared by the cells of one child's day.
    note: str = ""
    group: str = ""

    @property
    def weekday(self) -> int:
        return self.day.weekday()

    @property
    def to_cancel(self) -> bool:
        """A paid day unticked in the page: it will be cancelled, it is no longer "réservé"."""
        return self.state == "reserved" and not self.checked and not self.disabled

    @property
    def added(self) -> bool:
        return self.state == "free" and self.checked and not self.disabled


@dataclass
class OffDay:
    """A day of the month without a box, and why: "férié", "vacances", "pas de repas"."""

    day: datetime.date
    words: str


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
    def paid_to_cancel_if_unticked(self) -> int:
        """What "Tout décocher" would cancel: the paid days still ticked and changeable."""
        return sum(1 for c in self.cells if c.state == "reserved" and c.checked and not c.disabled)

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

    def changes(self) -> tuple[int, int]:
        """(days added, paid days cancelled) by the state shown, against what is stored."""
        added = cancelled = 0
        for _child, _kind, month_tab in self.cells():
            added += sum(1 for cell in month_tab.cells if cell.added)
            cancelled += sum(1 for cell in month_tab.cells if cell.to_cancel)
        return added, cancelled


def month_weeks(month, cells, rules=None) -> list[list]:
    """Rows Monday→Friday (or →Sunday if a weekend day is served) for a calendar table.
    A day without a box is an OffDay saying why (with `rules`) or the bare date."""
    by_day = {cell.day: cell for cell in cells}
    width = 7 if any(cell.weekday >= 5 for cell in cells) else 5
    weeks, week = [], [None] * width
    for day in calendar.month_days(month):
        if day.weekday() < width:
            off = OffDay(day, rules.off_day_words(day)) if rules is not None else day
            week[day.weekday()] = by_day.get(day, off)
        if day.weekday() == 6 or day == calendar.month_days(month)[-1]:
            if any(week):
                weeks.append(week)
            week = [None] * width
    return weeks


def judge_cell(rules, enrolment, meal_kind, day, reservation, taken, now, wanted=None):
    """The state of one checkbox: checked, disabled and why, and its cut-off."""
    key = cell_key(enrolment.child_id, meal_kind.pk, day)
    if reservation is not None and reservation.status == Reservation.Status.HELD:
        # The state says it ("en attente de paiement"): no reason repeating it.
        return DayCell(day, key, True, "held", True, "", "")
    reserved = reservation is not None
    if day in rules.closures:
        return DayCell(day, key, reserved, "closed", True, closed_words(rules.closures[day]), "")
    action = DeadlineRule.Action.CANCEL if reserved else DeadlineRule.Action.BOOK
    cutoff = rules.cutoff(action, day)
    deadline_text = calendar.describe_cutoff(cutoff)
    deadline_short = _("jusqu'au %(when)s") % {"when": calendar.describe_cutoff_short(cutoff)}
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
            "",
        )
    full = not rules.has_room(taken, enrolment, day)
    if full and not reserved:
        return DayCell(
            day, key, False, "free", True, _("complet"), _("plus de place disponible"), ""
        )
    return DayCell(
        day,
        key,
        checked,
        "reserved" if reserved else "free",
        False,
        "",
        _("modifiable jusqu'au %(when)s") % {"when": deadline_text},
        deadline_short,
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
        kinds, child_cells = [], []
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
                    for day in sorted(
                        rules.days_for(meal_kind, enrolment.planning_group, month)
                        + rules.closed_days_for(meal_kind, enrolment.planning_group, month)
                    )
                ]
                child_cells += [(meal_kind, cell) for cell in cells]
                tab = MonthTab(month, date_format(month, "F Y"), cells)
                tab.weeks = month_weeks(month, cells, rules)
                month_tabs.append(tab)
            if any(tab.cells for tab in month_tabs):
                kinds.append(KindTab(meal_kind, month_tabs))
        one_meal.make_exclusive(rules, enrolment.child_id, child_cells)
        children.append(ChildTab(enrolment.child, enrolment, kinds))
    return Planning(service=service, children=children, rules=rules)


# The recap -----------------------------------------------------------------------------


@dataclass
class RecapRow:
    """One line of the recap: a child, a meal kind, cancelled or ordered, at one unit price
    (an order across a price change has one row per price), with its days."""

    child_name: str
    meal_kind: str
    action: str  # OrderLine.Action: "cancel" or "add"
    quantity: int
    unit_price: Decimal
    amount: Decimal
    days: list

    @property
    def is_cancellation(self) -> bool:
        return self.action == OrderLine.Action.CANCEL

    @property
    def group(self) -> str:
        return f"{self.child_name} — {self.meal_kind}"


@dataclass
class Recap:
    order: Order
    opening_balance: Decimal
    rows: list
    total_credit: Decimal
    total_debit: Decimal
    # Credit the household's other orders awaiting payment count on (booking/credit.py).
    reserved_elsewhere: Decimal = Decimal("0.00")

    @property
    def opening_debit(self) -> Decimal:
        return -self.opening_balance

    @property
    def reserved_debit(self) -> Decimal:
        return -self.reserved_elsewhere

    @property
    def available_balance(self) -> Decimal:
        return self.opening_balance - self.reserved_elsewhere

    @property
    def closing_balance(self) -> Decimal:
        return self.available_balance + self.total_credit - self.total_debit

    @property
    def amount_to_pay(self) -> Decimal:
        if self.order.status == Order.Status.AWAITING_PAYMENT:
            # Fixed under the household lock when the payment started.
            net = self.total_debit - self.total_credit
            return max(Decimal("0.00"), net - self.order.reserved_credit)
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
    cancelled then ordered meals, one row per unit price with its days (as the invoice
    lists them), then what is to pay or the new balance. The credit that the household's
    other orders awaiting payment count on is not there to spend."""
    from booking import credit
    from ledger import selectors as ledger_selectors

    lines = order_lines(order) if lines is None else lines
    groups = defaultdict(list)  # insertion order: child, meal kind, day
    for line in lines:
        groups[(line.child, line.meal_kind)].append(line)
    rows = []
    for (child, meal_kind), group in groups.items():
        for action in (OrderLine.Action.CANCEL, OrderLine.Action.ADD):
            by_price = defaultdict(list)
            for line in group:
                if line.action == action:
                    by_price[line.unit_price].append(line.day)
            for unit_price, days in sorted(by_price.items(), key=lambda item: min(item[1])):
                rows.append(
                    RecapRow(
                        child_name=str(child),
                        meal_kind=meal_kind.name,
                        action=action,
                        quantity=len(days),
                        unit_price=unit_price,
                        amount=unit_price * len(days),
                        days=sorted(days),
                    )
                )
    return Recap(
        order=order,
        opening_balance=ledger_selectors.balance(order.household, order.service.code),
        rows=rows,
        total_credit=sum((r.amount for r in rows if r.is_cancellation), Decimal("0.00")),
        total_debit=sum((r.amount for r in rows if not r.is_cancellation), Decimal("0.00")),
        reserved_elsewhere=credit.reserved_by_other_orders(order),
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


def orders_awaiting_payment(household) -> list[Order]:
    """The household's orders whose places are held while a card payment is pending."""
    return list(
        Order.objects.select_related("service", "household", "created_by")
        .filter(household=household, status=Order.Status.AWAITING_PAYMENT)
        .order_by("created_at")
    )


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
