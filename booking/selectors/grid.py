"""The planning grid: child tabs → meal kind tabs → month tabs → one cell per day, judged
with the service's rules; a fixed number of queries whatever the size."""

import datetime
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from booking import calendar, one_meal
from booking.models import DeadlineRule, Enrolment, MealKind, Reservation, Service
from booking.selectors.household import (
    active_reservations,
    by_cell,
    count_taken,
    household_enrolments,
    places_at_household_sites,
)
from booking.selectors.rules import ServiceRules, cell_key, closed_words, service_rules
from booking.selectors.waiting import household_waiting, mark_waiting, open_requests
from tenants.compiled import fetch_together


@lru_cache(maxsize=4096)
def _day_label(day: datetime.date, language: str) -> str:
    return date_format(day, "l j F")


def day_label(day: datetime.date, language: str | None = None) -> str:
    """ "lundi 4 janvier", formatted once per day and language, not once per box (the
    language looked up here unless given: a grid asks it once)."""
    return _day_label(day, language or get_language())


class DayLabels:
    """What the template shows of a cell's date, without a `date` filter per box."""

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def number(self) -> str:
        return str(self.day.day)  # a str: an int would be localized again in each box

    @property
    def label(self) -> str:
        return day_label(self.day)


@dataclass
class DayCell(DayLabels):
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
class OffDay(DayLabels):
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
    def tab_id(self) -> str:
        """ "202701": the month in the panel's id (without a `date` filter per tab)."""
        return self.month.strftime("%Y%m")

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
        return _columns(get_language())[:width]


@lru_cache(maxsize=16)
def _columns(language: str) -> list[str]:
    """The weekday headers, translated once per language."""
    return [_("Lun"), _("Mar"), _("Mer"), _("Jeu"), _("Ven"), _("Sam"), _("Dim")]


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
    # The first cut-off still to come of the days shown: the grid changes then by itself.
    next_cutoff: datetime.datetime | None = None

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


def month_weeks(month, cells, rules=None, off_words=None) -> list[list]:
    """Rows Monday→Friday (or →Sunday if a weekend day is served) for a calendar table.
    A day without a box is an OffDay saying why (with `rules`) or the bare date.
    `off_words` (day → words) spares computing a day's words again for each child."""
    by_day = {cell.day: cell for cell in cells}
    width = 7 if any(cell.weekday >= 5 for cell in cells) else 5
    days = calendar.month_days(month)
    last = days[-1]
    weeks, week = [], [None] * width
    for day in days:
        if day.weekday() < width:
            cell = by_day.get(day)
            if cell is None and rules is not None:
                if off_words is None:
                    cell = OffDay(day, rules.off_day_words(day))
                else:
                    if day not in off_words:
                        off_words[day] = rules.off_day_words(day)
                    cell = OffDay(day, off_words[day])
            week[day.weekday()] = day if cell is None else cell
        if day.weekday() == 6 or day == last:
            if any(week):
                weeks.append(week)
            week = [None] * width
    return weeks


class CellTexts:
    """A grid's cut-off texts, computed once per day and rule, not once per box."""

    def __init__(self, rules):
        self.rules = rules
        self.by_cutoff = {}
        self.late = _("délai dépassé")
        self.full = _("complet")
        self.no_room = _("plus de place disponible")
        self.until_long = _("modifiable jusqu'au %(when)s")
        self.until_short = _("jusqu'au %(when)s")

    def for_cutoff(self, action, day) -> tuple[datetime.datetime, str, str]:
        """(cut-off, "modifiable jusqu'au mardi 14/01 à 10:00", "jusqu'au 14/01 10:00")."""
        key = (action, day)
        texts = self.by_cutoff.get(key)
        if texts is None:
            cutoff = self.rules.cutoff(action, day)
            when = calendar.describe_cutoff(cutoff)
            texts = self.by_cutoff[key] = (
                cutoff,
                self.until_long % {"when": when},
                self.until_short % {"when": calendar.describe_cutoff_short(cutoff)},
            )
        return texts


def judge_cell(rules, enrolment, meal_kind, day, reservation, taken, now, wanted=None, texts=None):
    """The state of one checkbox: checked, disabled and why, and its cut-off."""
    key = cell_key(enrolment.child_id, meal_kind.pk, day)
    if reservation is not None and reservation.status == Reservation.Status.HELD:
        # The state says it ("en attente de paiement"): no reason repeating it.
        return DayCell(day, key, True, "held", True, "", "")
    reserved = reservation is not None
    closed = rules.closure_reason(enrolment.site_id, day)
    if closed is not None:
        return DayCell(day, key, reserved, "closed", True, closed_words(closed), "")
    texts = texts or CellTexts(rules)
    action = DeadlineRule.Action.CANCEL if reserved else DeadlineRule.Action.BOOK
    cutoff, deadline_text, deadline_short = texts.for_cutoff(action, day)
    checked = reserved if wanted is None else key in wanted
    if now >= cutoff:
        state = "reserved" if reserved else "free"
        return DayCell(day, key, reserved, state, True, texts.late, deadline_text, "")
    full = not rules.has_room(taken, enrolment, day)
    if full and not reserved:
        return DayCell(day, key, False, "free", True, texts.full, texts.no_room, "", full=True)
    return DayCell(
        day,
        key,
        checked,
        "reserved" if reserved else "free",
        False,
        "",
        deadline_text,
        deadline_short,
    )


@dataclass
class GridReads:
    """What a grid is made of and a draft's check already read (booking.services'
    OrderRefused): the service's rules, the household's enrolments and reservations over the
    open months, the places taken at its sites."""

    rules: ServiceRules
    enrolments: list
    reservations: dict
    taken: dict
    waiting: list | None = None  # the household's open waiting requests


def grid_reads(household, service, rules, first, last) -> GridReads:
    """The household's enrolments, its reservations, the places taken at its sites and its
    open waiting requests between two days: four statements in one round trip."""
    ids = {"household_id": household.pk, "service_id": service.pk}
    span = ids | {"first": first, "last": last}
    enrolments, reservations, taken, waiting = fetch_together(
        (household_enrolments, ids),
        (active_reservations, span),
        (places_at_household_sites, span),
        (open_requests, span),
    )
    return GridReads(rules, enrolments, by_cell(reservations), count_taken(taken), waiting)


def planning_for(household, service, now=None, wanted=None, reads=None) -> Planning:
    """The grid: child tabs → meal kind tabs → month tabs → one cell per open day.

    `wanted` (a set of cell keys) shows a posted state instead of the stored one; `reads`
    (GridReads) spares reading again what a refused draft has just read.
    """
    now = now or timezone.now()
    rules = reads.rules if reads else service_rules(service)
    months = sorted(rules.months)
    if not months:
        return Planning(service=service, children=[], rules=rules)
    first = months[0]
    last = calendar.month_days(months[-1])[-1]
    reads = reads or grid_reads(household, service, rules, first, last)
    enrolments, reservations, taken = reads.enrolments, reads.reservations, reads.taken
    if not enrolments:
        return Planning(service=service, children=[], rules=rules)
    # Computed once per page, shared by every child, kind and month: the days of each
    # planning group, the cut-off texts, the words of the days without a box, the labels.
    texts, off_words, days_of = CellTexts(rules), {}, {}
    month_labels = {month: date_format(month, "F Y") for month in months}
    children = []
    for enrolment in enrolments:
        kinds, child_cells = [], []
        group = enrolment.planning_group
        for meal_kind in rules.meal_kinds:
            month_tabs = []
            for month in months:
                days = days_of.get((meal_kind.pk, group.pk, month))
                if days is None:
                    days = days_of[(meal_kind.pk, group.pk, month)] = sorted(
                        rules.days_for(meal_kind, group, month)
                        + rules.closed_days_for(meal_kind, group, month)
                    )
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
                        texts,
                    )
                    for day in days
                ]
                child_cells += [(meal_kind, cell) for cell in cells]
                tab = MonthTab(month, month_labels[month], cells)
                tab.weeks = month_weeks(month, cells, rules, off_words)
                month_tabs.append(tab)
            if any(tab.cells for tab in month_tabs):
                kinds.append(KindTab(meal_kind, month_tabs))
        one_meal.make_exclusive(rules, enrolment.child_id, child_cells)
        children.append(ChildTab(enrolment.child, enrolment, kinds))
    mark_waiting(children, household_waiting(household, service, first, last, reads.waiting))
    next_cutoff = min((c for c, _t, _s in texts.by_cutoff.values() if c > now), default=None)
    return Planning(service=service, children=children, rules=rules, next_cutoff=next_cutoff)
