"""The school calendar: which days a service is open, and until when a day can change.

Pure functions over plain values, so the rules can be tested at their edges without a
database; selectors.py loads the data they need.
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException

PARIS = ZoneInfo("Europe/Paris")


@lru_cache(maxsize=32)
def public_holidays(year: int) -> dict[datetime.date, str]:
    return dict(holidays.France(years=year, language="fr"))


def is_public_holiday(day: datetime.date) -> bool:
    return day in public_holidays(day.year)


@lru_cache(maxsize=1)
def _school_holiday_dates() -> SchoolHolidayDates:
    return SchoolHolidayDates()


@lru_cache(maxsize=4096)
def school_holiday_name(day: datetime.date, zone: str) -> str | None:
    try:
        data = _school_holiday_dates().holidays_for_year_and_zone(day.year, zone)
    except UnsupportedYearException:
        return None
    entry = data.get(day)
    return entry["nom_vacances"] if entry else None


def month_days(month: datetime.date) -> list[datetime.date]:
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return [first + datetime.timedelta(days=n) for n in range((following - first).days)]


WORKING_WEEK = frozenset(range(5))


@dataclass(frozen=True)
class SchoolCalendar:
    """One school year with its closures: answers "is the service open that day?".

    `holiday_weekdays`: the weekdays served during the school holidays (an ALSH serves
    Monday to Friday; a canteen none, the default)."""

    first_day: datetime.date
    last_day: datetime.date
    zone: str
    closures: frozenset = frozenset()
    holiday_weekdays: frozenset = frozenset()

    def is_open(self, day: datetime.date) -> bool:
        if not self.first_day <= day <= self.last_day:
            return False
        if day in self.closures or is_public_holiday(day):
            return False
        if school_holiday_name(day, self.zone) is None:
            return True
        return day.weekday() in self.holiday_weekdays

    def planning_days(self, month: datetime.date, weekdays) -> list[datetime.date]:
        """Open days of the month on the planning group's weekdays in term time, and on
        `holiday_weekdays` in the school holidays."""
        weekdays = set(weekdays)
        days = []
        for day in month_days(month):
            if not self.is_open(day):
                continue
            in_holidays = school_holiday_name(day, self.zone) is not None
            if day.weekday() in (self.holiday_weekdays if in_holidays else weekdays):
                days.append(day)
        return days


def is_business_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day)


def days_before_cutoff(
    day: datetime.date, days_before: int, at: datetime.time, business_days_only: bool
) -> datetime.datetime:
    """ "J-N à HH:MM": N days (or N business days) before the meal, at that Paris time."""
    cutoff_day = day
    remaining = days_before
    while remaining > 0:
        cutoff_day -= datetime.timedelta(days=1)
        if not business_days_only or is_business_day(cutoff_day):
            remaining -= 1
    return datetime.datetime.combine(cutoff_day, at, tzinfo=PARIS)


def previous_week_cutoff(day: datetime.date, weekday: int, at: datetime.time) -> datetime.datetime:
    """ "jeudi 12:00 for the next week": that weekday of the week before the meal's week."""
    monday = day - datetime.timedelta(days=day.weekday())
    cutoff_day = monday - datetime.timedelta(days=7) + datetime.timedelta(days=weekday)
    return datetime.datetime.combine(cutoff_day, at, tzinfo=PARIS)


def rule_cutoff(rule, day: datetime.date) -> datetime.datetime:
    """The last moment `day` can be changed under a booking.DeadlineRule."""
    if rule.kind == "previous_week":
        return previous_week_cutoff(day, rule.weekday, rule.at_time)
    return days_before_cutoff(day, rule.days_before, rule.at_time, rule.business_days_only)


WEEKDAY_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def describe_cutoff(cutoff: datetime.datetime) -> str:
    """'mardi 14/01 à 10:00', as shown on the planning."""
    local = cutoff.astimezone(PARIS)
    return f"{WEEKDAY_NAMES[local.weekday()]} {local:%d/%m} à {local:%H:%M}"


def describe_cutoff_short(cutoff: datetime.datetime) -> str:
    """'14/01 10:00', the phone's form."""
    local = cutoff.astimezone(PARIS)
    return f"{local:%d/%m %H:%M}"
