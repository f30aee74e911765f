"""Reads of the register ("pointage"): what a post-paid batch bills from, the day's sheet."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from booking.models import AbsenceJustification, Attendance, Reservation


@dataclass(frozen=True)
class AttendanceFact:
    """One child's meal of a day, as booked and as taken."""

    household_id: int
    child_id: int
    meal_kind_id: int
    site_id: int
    day: datetime.date
    booked: bool
    unit_price: Decimal | None  # the reservation's frozen price when booked
    present: bool | None  # None: the register was not taken for this meal
    justified: bool  # an accepted absence justification covers the child's day


def billing_facts(*, service, start: datetime.date, end: datetime.date) -> list[AttendanceFact]:
    """Every confirmed reservation and every recorded presence (or absence) of the service in
    [start, end], one fact per (child, meal kind, day), ordered by household, day, child.
    Three queries whatever the number of households."""
    reservations = {
        (row["child_id"], row["meal_kind_id"], row["day"]): row
        for row in Reservation.objects.filter(
            meal_kind__service=service,
            day__range=(start, end),
            status=Reservation.Status.CONFIRMED,
        ).values("child_id", "child__household_id", "meal_kind_id", "site_id", "day", "unit_price")
    }
    attendances = {
        (row["child_id"], row["meal_kind_id"], row["day"]): row
        for row in Attendance.objects.filter(
            meal_kind__service=service, day__range=(start, end)
        ).values("child_id", "child__household_id", "meal_kind_id", "site_id", "day", "present")
    }
    justified = set(
        AbsenceJustification.objects.filter(service=service, day__range=(start, end)).values_list(
            "child_id", "day"
        )
    )
    facts = []
    for key in reservations.keys() | attendances.keys():
        booked = reservations.get(key)
        taken = attendances.get(key)
        row = booked or taken
        facts.append(
            AttendanceFact(
                household_id=row["child__household_id"],
                child_id=row["child_id"],
                meal_kind_id=row["meal_kind_id"],
                site_id=(taken or booked)["site_id"],
                day=row["day"],
                booked=booked is not None,
                unit_price=booked["unit_price"] if booked else None,
                present=taken["present"] if taken else None,
                justified=(row["child_id"], row["day"]) in justified,
            )
        )
    facts.sort(key=lambda f: (f.household_id, f.day, f.child_id, f.meal_kind_id))
    return facts
