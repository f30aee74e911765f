import datetime

from booking.calendar import (
    PARIS,
    WORKING_WEEK,
    SchoolCalendar,
    days_before_cutoff,
    describe_cutoff,
    previous_week_cutoff,
)

YEAR = SchoolCalendar(datetime.date(2026, 9, 1), datetime.date(2027, 7, 3), "B")
MON_TUE_THU_FRI = [0, 1, 3, 4]


def test_open_days_exclude_public_and_school_holidays_and_other_weekdays():
    november = YEAR.planning_days(datetime.date(2026, 11, 1), [0, 1, 2, 3, 4])
    assert datetime.date(2026, 11, 11) not in november  # Armistice, a Wednesday
    assert datetime.date(2026, 11, 2) in november  # back from the Toussaint holidays
    assert datetime.date(2026, 10, 30) not in YEAR.planning_days(
        datetime.date(2026, 10, 1), [0, 1, 2, 3, 4]
    )  # Toussaint holidays, zone B

    january = YEAR.planning_days(datetime.date(2027, 1, 1), MON_TUE_THU_FRI)
    assert january[0] == datetime.date(2027, 1, 4)  # Christmas holidays until the 3rd
    assert all(day.weekday() in MON_TUE_THU_FRI for day in january)
    assert len(january) == 16  # 4 weeks from the 4th to the 29th, 4 days each

    february = YEAR.planning_days(datetime.date(2027, 2, 1), MON_TUE_THU_FRI)
    assert max(february) == datetime.date(2027, 2, 19)  # winter holidays from the 20th, zone B
    march = YEAR.planning_days(datetime.date(2027, 3, 1), MON_TUE_THU_FRI)
    assert min(march) == datetime.date(2027, 3, 8)
    assert datetime.date(2027, 3, 29) not in march  # Easter Monday
    may = YEAR.planning_days(datetime.date(2027, 5, 1), MON_TUE_THU_FRI)
    assert (
        datetime.date(2027, 5, 6) not in may and datetime.date(2027, 5, 7) not in may
    )  # Ascension


def test_an_alsh_serves_wednesdays_in_term_and_every_weekday_of_the_school_holidays():
    alsh = SchoolCalendar(
        datetime.date(2026, 9, 1), datetime.date(2027, 7, 3), "B", holiday_weekdays=WORKING_WEEK
    )
    october = alsh.planning_days(datetime.date(2026, 10, 1), [2])
    # Term time: the Wednesdays only; the Toussaint holidays (zone B, from the 17th): Monday
    # to Friday, never the weekend.
    assert [d.day for d in october] == [7, 14, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30]
    assert alsh.is_open(datetime.date(2026, 10, 19)) and not YEAR.is_open(
        datetime.date(2026, 10, 19)
    )
    november = alsh.planning_days(datetime.date(2026, 11, 1), [2])
    assert datetime.date(2026, 11, 11) not in november  # Armistice, even for the ALSH
    assert [d.day for d in november] == [4, 18, 25]  # back to Wednesdays from the 2nd
    summer = alsh.planning_days(datetime.date(2027, 8, 1), [2])
    assert summer == []  # after the school year's last day: another year's calendar


def test_days_outside_the_school_year_and_commune_closures_are_closed():
    closed = SchoolCalendar(
        YEAR.first_day, YEAR.last_day, "B", frozenset({datetime.date(2027, 1, 5)})
    )
    assert datetime.date(2027, 1, 5) not in closed.planning_days(datetime.date(2027, 1, 1), [1])
    assert YEAR.planning_days(datetime.date(2027, 7, 1), [0, 1, 2, 3, 4]) == [
        datetime.date(2027, 7, 1),
        datetime.date(2027, 7, 2),
    ]


def test_two_business_days_before_skips_the_weekend():
    # Monday 11 January 2027 → Thursday 7 January at 10:00.
    cutoff = days_before_cutoff(datetime.date(2027, 1, 11), 2, datetime.time(10), True)
    assert cutoff == datetime.datetime(2027, 1, 7, 10, 0, tzinfo=PARIS)
    assert describe_cutoff(cutoff) == "jeudi 07/01 à 10:00"


def test_two_calendar_days_before_counts_the_weekend():
    cutoff = days_before_cutoff(datetime.date(2027, 1, 11), 2, datetime.time(10), False)
    assert cutoff == datetime.datetime(2027, 1, 9, 10, 0, tzinfo=PARIS)


def test_business_days_skip_public_holidays():
    # Friday 13 November 2026: Thursday 12 is one, Wednesday 11 (Armistice) does not count.
    cutoff = days_before_cutoff(datetime.date(2026, 11, 13), 2, datetime.time(10), True)
    assert cutoff.date() == datetime.date(2026, 11, 10)


def test_previous_week_rule():
    # "jeudi 12:00 for the next week": a Wednesday meal on 13 January → Thursday 7 at noon.
    cutoff = previous_week_cutoff(datetime.date(2027, 1, 13), 3, datetime.time(12))
    assert cutoff == datetime.datetime(2027, 1, 7, 12, 0, tzinfo=PARIS)
    monday = previous_week_cutoff(datetime.date(2027, 1, 11), 3, datetime.time(12))
    assert monday == cutoff  # same week, same cut-off


def test_cutoffs_follow_the_summer_time_change():
    # Clocks go forward on Sunday 28 March 2027: 10:00 that day is 08:00 UTC, the day
    # before 09:00 UTC.
    after = days_before_cutoff(datetime.date(2027, 3, 30), 2, datetime.time(10), False)
    before = days_before_cutoff(datetime.date(2027, 3, 29), 2, datetime.time(10), False)
    assert after.astimezone(datetime.UTC).hour == 8
    assert before.astimezone(datetime.UTC).hour == 9
    assert after.utcoffset() == datetime.timedelta(hours=2)
