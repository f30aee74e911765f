"""The home page's answer per service: the balance, the next booked meals per child, a
pending payment, the next cut-off and the latest documents (registered in apps.py)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from booking import calendar, selectors
from booking.models import DeadlineRule, Reservation
from ledger import selectors as ledger_selectors

SCHOOL_DAYS_AHEAD = 5
LOOK_AHEAD = 60  # days searched for the next school days and cut-off


@dataclass
class ChildMeals:
    name: str
    meals: list  # (day, exceptional meal's name or "", held: bool)


@dataclass
class ServiceSummary:
    code: str
    name: str
    balance: Decimal
    school_days: list
    children: list = field(default_factory=list)
    next_cutoff: str = ""
    documents: list = field(default_factory=list)

    @property
    def owes(self) -> bool:
        return self.balance < 0

    @property
    def amount_owed(self) -> Decimal:
        return -self.balance


def next_school_days(rules, today, count=SCHOOL_DAYS_AHEAD) -> list[datetime.date]:
    days = []
    for offset in range(LOOK_AHEAD):
        day = today + datetime.timedelta(days=offset)
        school_calendar = rules.calendar_for(day)
        if day.weekday() < 5 and school_calendar and school_calendar.is_open(day):
            days.append(day)
            if len(days) == count:
                break
    return days


def next_cutoff_text(rules, now) -> str:
    """ "Réservez avant le jeudi 10/12 à 10:00 pour la semaine prochaine", or for the first
    day that can still be booked."""
    today = timezone.localdate(now)
    next_monday = today + datetime.timedelta(days=7 - today.weekday())
    for offset in range(LOOK_AHEAD):
        day = today + datetime.timedelta(days=offset)
        school_calendar = rules.calendar_for(day)
        if not (school_calendar and school_calendar.is_open(day) and rules.in_open_months(day)):
            continue
        cutoff = rules.cutoff(DeadlineRule.Action.BOOK, day)
        if cutoff <= now:
            continue
        when = calendar.describe_cutoff(cutoff)
        if next_monday <= day < next_monday + datetime.timedelta(days=7):
            return _("Réservez avant le %(when)s pour la semaine prochaine.") % {"when": when}
        return _("Réservez avant le %(when)s pour le %(day)s.") % {
            "when": when,
            "day": f"{calendar.WEEKDAY_NAMES[day.weekday()]} {day:%d/%m}",
        }
    return ""


def home_summaries(household, now=None) -> list[ServiceSummary]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    summaries = []
    for service in selectors.active_services():
        enrolments = selectors.enrolments_of(household, service)
        documents = ledger_selectors.latest_documents(household, service.code)
        if not enrolments and not documents:
            continue
        rules = selectors.service_rules(service)
        days = next_school_days(rules, today)
        summary = ServiceSummary(
            code=service.code,
            name=service.name,
            balance=ledger_selectors.balance(household, service.code),
            school_days=days,
            next_cutoff=next_cutoff_text(rules, now),
            documents=documents,
        )
        reservations = (
            selectors.household_reservations(household, service, days[0], days[-1]) if days else {}
        )
        # The regular meal goes without saying; an exceptional one is named.
        kinds = {kind.pk: kind.name if kind.is_exceptional else "" for kind in rules.meal_kinds}
        for enrolment in enrolments:
            meals = sorted(
                (day, kinds.get(kind_id, ""), r.status == Reservation.Status.HELD)
                for (child_id, kind_id, day), r in reservations.items()
                if child_id == enrolment.child_id
            )
            summary.children.append(ChildMeals(enrolment.child.first_name, meals))
        summaries.append(summary)
    return summaries
