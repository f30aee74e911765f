"""The planning grid: child tabs → meal kind tabs → month tabs → one cell per day, judged
with the service's rules; a fixed number of queries whatever the size."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from booking import calendar, one_meal
from booking.models import DeadlineRule, Enrolment, MealKind, Reservation, Service
from booking.selectors.rules import (
    ServiceRules,
    cell_key,
    closed_words,
    enrolments_of,
    household_reservations,
    places_taken,
    service_rules,
)
from booking.selectors.waiting import household_waiting, mark_waiting


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
    # The waiting list (booking/selectors/waiting.py): "join" on a full day, "in_line" with
    # the family's rank, "kept" when a freed place is kept for it.
    full: bool = False
    waiting: str = ""

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
    closed = rules.closure_reason(enrolment.site_id, day)
    if closed is not None:
        return DayCell(day, key, reserved, "closed", True, closed_words(closed), "")
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
            day,
            key,
            False,
            "free",
            True,
            _("complet"),
            _("plus de place disponible"),
            "",
            full=True,
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
    taken = places_taken({e.site_id for e in enrolments}, first, last, household)
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
    mark_waiting(children, household_waiting(household, service, first, last))
    return Planning(service=service, children=children, rules=rules)
