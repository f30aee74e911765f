"""Reads of the register ("pointage"): what a post-paid batch bills from, the day's sheet."""

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from booking.models import (
    AbsenceJustification,
    Attendance,
    AttendanceDay,
    Enrolment,
    JustificationFile,
    Reservation,
)


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


@dataclass(frozen=True)
class SheetRow:
    child: object  # portal Child
    meal_kind: object
    booked: bool
    present: bool | None
    justification: object = None  # AbsenceJustification, when there is one
    health: object = None  # portal.selectors.HealthBadge, for staff allowed to read it


def with_health(sheet, badges: dict):
    """The sheet with each child's health badge (diet, allergies, PAI) from `badges`."""
    groups = [
        dataclasses.replace(
            group,
            rows=[dataclasses.replace(row, health=badges.get(row.child.pk)) for row in group.rows],
        )
        for group in sheet.groups
    ]
    return dataclasses.replace(sheet, groups=groups)


@dataclass(frozen=True)
class SheetGroup:
    name: str
    rows: list


@dataclass(frozen=True)
class Sheet:
    service: object
    site: object
    day: datetime.date
    register: object  # AttendanceDay, or None before the first tap
    groups: list

    @property
    def is_closed(self) -> bool:
        return self.register is not None and self.register.is_closed

    @property
    def expected(self) -> int:
        return sum(1 for group in self.groups for row in group.rows if row.booked)

    @property
    def present(self) -> int:
        return sum(1 for group in self.groups for row in group.rows if row.present)

    @property
    def not_taken(self) -> int:
        return sum(1 for group in self.groups for row in group.rows if row.present is None)


def attendance_sheet(*, service, site, day: datetime.date) -> Sheet:
    """The register of a site's day: the children expected (confirmed reservations) and those
    recorded without one, by planning group, each with its state. Five queries."""
    booked = list(
        Reservation.objects.filter(
            meal_kind__service=service, site=site, day=day, status=Reservation.Status.CONFIRMED
        ).select_related("child", "meal_kind")
    )
    taken = {
        (a.child_id, a.meal_kind_id): a
        for a in Attendance.objects.filter(
            meal_kind__service=service, site=site, day=day
        ).select_related("child", "meal_kind")
    }
    cells = {(r.child_id, r.meal_kind_id): (r.child, r.meal_kind, True) for r in booked}
    for key, attendance in taken.items():
        cells.setdefault(key, (attendance.child, attendance.meal_kind, False))
    child_ids = {child_id for child_id, _kind in cells}
    groups_of = dict(
        Enrolment.objects.filter(service=service, child_id__in=child_ids).values_list(
            "child_id", "planning_group__name"
        )
    )
    justified = {
        j.child_id: j
        for j in AbsenceJustification.objects.filter(
            service=service, day=day, child_id__in=child_ids
        ).select_related("file")
    }
    by_group: dict[str, list] = {}
    for key, (child, meal_kind, is_booked) in cells.items():
        attendance = taken.get(key)
        by_group.setdefault(groups_of.get(child.pk, ""), []).append(
            SheetRow(
                child=child,
                meal_kind=meal_kind,
                booked=is_booked,
                present=attendance.present if attendance else None,
                justification=justified.get(child.pk),
            )
        )
    groups = [
        SheetGroup(
            name=name,
            rows=sorted(
                rows,
                key=lambda r: (r.child.last_name, r.child.first_name, r.meal_kind.position),
            ),
        )
        for name, rows in sorted(by_group.items())
    ]
    return Sheet(
        service=service,
        site=site,
        day=day,
        register=AttendanceDay.objects.filter(service=service, site=site, day=day).first(),
        groups=groups,
    )


def attendance_search(*, service, site, query: str, limit: int = 12) -> list:
    """Children enrolled at the site whose name contains `query` (a present child without
    reservation is added from these)."""
    query = (query or "").strip()[:50]
    if len(query) < 2:
        return []
    enrolments = (
        Enrolment.objects.filter(service=service, site=site)
        .filter(Q(child__last_name__icontains=query) | Q(child__first_name__icontains=query))
        .select_related("child", "planning_group")
        .order_by("child__last_name", "child__first_name")[:limit]
    )
    return [(e.child, e.planning_group.name) for e in enrolments]


def enrolled_child(*, service, child_id) -> object | None:
    """A child enrolled in the service (staff pages), or None."""
    enrolment = (
        Enrolment.objects.filter(service=service, child_id=child_id).select_related("child").first()
    )
    return enrolment.child if enrolment else None


def household_justifications(*, household, service) -> list:
    return list(
        AbsenceJustification.objects.filter(household=household, service=service)
        .select_related("child", "file")
        .order_by("-day")[:60]
    )


def justification_file_of_household(*, household, file_id) -> JustificationFile | None:
    """A certificate of the family's own, or None (never another household's; None for
    an id that is not a number, as a parent's URL may carry anything)."""
    if not str(file_id).isdecimal() or len(str(file_id)) > 12:
        return None
    return JustificationFile.objects.filter(pk=int(file_id), household=household).first()


def justification_file_for_staff(*, file_id) -> JustificationFile | None:
    return JustificationFile.objects.filter(pk=file_id).first()
