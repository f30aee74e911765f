"""Writes of the register ("pointage"): a tap, the day's closing and what it bills (absences
justified: booking/services/absences.py).

Lock order, as every writer: households (by id), then the register's day row
(AttendanceDay), then the ledger's counters (numbering). A tap locks its child's household
then the day row; the closing reads the households to bill, locks them, then the day row,
and starts again if a tap added a household meanwhile.

Money (prepaid services; a post-paid service, `billing_mode` "monthly", bills nothing here:
its monthly batch reads booking.selectors.billing_facts):
- a child present without reservation is billed at the service's "repas non réservé" price,
  one "débit sans réservation" per household when the day is closed (once: the attendance
  row keeps the document that billed it);
- a booked meal whose absence is justified within the service's delay is credited, one
  credit note per household and call, through booking.billing.credit_plan (never twice).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import journal
from booking.calendar import PARIS
from booking.models import (
    Attendance,
    AttendanceDay,
    Enrolment,
    MealKind,
    Reservation,
    Service,
    Site,
)
from ledger import selectors as ledger_selectors
from ledger import services as ledger
from portal import services as portal_services
from portal.journal import record_staff_action

AMEND_PERMISSION = "booking.amend_closed_attendance"
TAP_ACTION = journal.ATTENDANCE_AMENDED
CLOSE_ACTION = journal.ATTENDANCE_CLOSED


class AttendanceRefused(ValidationError):
    """Nothing was changed; the message says why, in French."""


@dataclass
class CloseResult:
    day: AttendanceDay
    closed_now: bool
    invoices: list = field(default_factory=list)


def bills_now(service) -> bool:
    return getattr(service, "billing_mode", "prepaid") != "monthly"


def _lock_day(service, site, day) -> AttendanceDay:
    AttendanceDay.objects.get_or_create(service=service, site=site, day=day)
    return AttendanceDay.objects.select_for_update().get(service=service, site=site, day=day)


def may_amend(user) -> bool:
    return user is not None and user.has_perm(AMEND_PERMISSION)


def _check_child(service, site, day, child, meal_kind):
    if meal_kind.service_id != service.pk:
        raise AttendanceRefused(_("Ce repas n'est pas celui du service."))
    booked = Reservation.objects.filter(
        child=child, meal_kind=meal_kind, day=day, site=site, status=Reservation.Status.CONFIRMED
    ).exists()
    if (
        not booked
        and not Enrolment.objects.filter(child=child, service=service, site=site).exists()
    ):
        raise AttendanceRefused(_("Cet enfant n'est pas inscrit à ce site."))


def attendance_record(
    *, service, site, day: datetime.date, child, meal_kind, present: bool, actor, reason: str = ""
) -> Attendance:
    """Set the child's presence at the meal to `present` (the wanted state, so a repeated tap
    changes nothing). On a closed day only a Régisseur may, with a reason, journaled; a
    presence without reservation added then is billed at once."""
    reason = (reason or "").strip()
    with transaction.atomic():
        (household,) = portal_services.lock_households(household_ids=[child.household_id])
        sheet = _lock_day(service, site, day)
        _check_child(service, site, day, child, meal_kind)
        current = Attendance.objects.filter(child=child, meal_kind=meal_kind, day=day).first()
        if current is not None and current.present == present:
            return current
        if sheet.is_closed:
            if not may_amend(actor):
                raise AttendanceRefused(
                    _("Le pointage de ce jour est clos : seul un régisseur peut le modifier.")
                )
            if not reason:
                raise AttendanceRefused(_("Indiquez le motif de la modification."))
        if current is None:
            current = Attendance.objects.create(
                child=child,
                meal_kind=meal_kind,
                site=site,
                day=day,
                present=present,
                recorded_by=actor,
            )
        else:
            current.present, current.recorded_by, current.site = present, actor, site
            current.save(update_fields=["present", "recorded_by", "site", "recorded_at"])
        if sheet.is_closed:
            record_staff_action(
                actor=actor,
                action=TAP_ACTION,
                summary=_(
                    "Pointage clos du %(day)s modifié (%(site)s) : %(child)s %(state)s — %(reason)s"
                )
                % {
                    "day": f"{day:%d/%m/%Y}",
                    "site": site.name,
                    "child": child,
                    "state": _("présent") if present else _("absent"),
                    "reason": reason,
                },
                household_id=child.household_id,
                details={"attendance": current.pk, "present": present, "reason": reason},
            )
            if not present and current.billed_document_id:
                _credit_unbooked(service, household, current, actor, reason)
    if sheet.is_closed and present:
        attendance_bill_unbooked(service=service, site=site, day=day, actor=actor)
    return current


def _credit_unbooked(service, household, attendance, actor, reason):
    """A presence without reservation billed, then corrected to absent: credit its line."""
    lines = [
        line
        for line in ledger_selectors.invoiced_lines(
            household=household, service_code=service.code, invoice_id=attendance.billed_document_id
        )
        if line.child_id == attendance.child_id and line.day == attendance.day
    ]
    if not lines or lines[0].credited:
        return None
    line = lines[0]
    credit_note = ledger.issue_credit_note(
        household=household,
        service_code=service.code,
        lines=[
            ledger.DocumentLine(
                child_id=line.child_id,
                child_name=line.child_name,
                day=line.day,
                label=line.label,
                unit_price=line.unit_price,
                quantity=line.quantity,
                credits_line_id=line.pk,
            )
        ],
        ordered_by=actor,
        order_reference="",
        idempotency_key=f"unbooked-undone:{line.pk}",
        reason=reason,
    )
    Attendance.objects.filter(pk=attendance.pk).update(billed_document_id=None)
    return credit_note


def _unbooked_presences(service, site, day):
    """Present, not booked, not billed yet: what the closing bills."""
    booked = Reservation.objects.filter(
        meal_kind__service=service, day=day, status=Reservation.Status.CONFIRMED
    ).values_list("child_id", "meal_kind_id")
    booked = set(booked)
    rows = Attendance.objects.filter(
        meal_kind__service=service, site=site, day=day, present=True, billed_document_id=None
    ).select_related("child", "meal_kind")
    return [row for row in rows if (row.child_id, row.meal_kind_id) not in booked]


def attendance_bill_unbooked(*, service, site, day: datetime.date, actor) -> list:
    """Bill the day's presences without reservation (one "débit sans réservation" per
    household); already billed ones are left alone. Returns the invoices issued."""
    if not bills_now(service) or service.unbooked_meal_price is None:
        return []
    for _attempt in range(5):
        household_ids = {row.child.household_id for row in _unbooked_presences(service, site, day)}
        if not household_ids:
            return []
        with transaction.atomic():
            households = {
                h.pk: h for h in portal_services.lock_households(household_ids=household_ids)
            }
            sheet = _lock_day(service, site, day)
            rows = _unbooked_presences(service, site, day)
            if {row.child.household_id for row in rows} - set(households):
                continue  # a tap added a household meanwhile: start again with it
            return _issue_unbooked(service, sheet, rows, households, actor)
    raise AttendanceRefused(_("Le pointage change en continu : réessayez dans un instant."))


def _issue_unbooked(service, sheet, rows, households, actor) -> list:
    by_household = defaultdict(list)
    for row in rows:
        by_household[row.child.household_id].append(row)
    invoices = []
    for household_id in sorted(by_household):
        presences = by_household[household_id]
        invoice = ledger.issue_invoice(
            household=households[household_id],
            service_code=service.code,
            lines=[
                ledger.DocumentLine(
                    child_id=row.child_id,
                    child_name=str(row.child),
                    day=row.day,
                    label=row.meal_kind.name,
                    unit_price=service.unbooked_meal_price,
                )
                for row in presences
            ],
            ordered_by=actor,
            order_reference="",
            idempotency_key="unbooked:{}:{}:{}".format(
                sheet.pk,
                household_id,
                ",".join(f"{row.pk}@{row.recorded_at.timestamp()}" for row in presences),
            ),
            without_reservation=True,
        )
        Attendance.objects.filter(pk__in=[row.pk for row in presences]).update(
            billed_document_id=invoice.pk
        )
        invoices.append(invoice)
    return invoices


def attendance_close_day(
    *, service, site, day: datetime.date, actor=None, now: datetime.datetime | None = None
) -> CloseResult:
    """Close the day's register ("clos") and bill what was eaten without reservation. Closing
    a closed day changes nothing. `actor` None: the automatic closing at the service's hour."""
    now = now or timezone.now()
    with transaction.atomic():
        sheet = _lock_day(service, site, day)
        if sheet.is_closed:
            return CloseResult(day=sheet, closed_now=False)
        sheet.closed_at, sheet.closed_by = now, actor
        sheet.save(update_fields=["closed_at", "closed_by"])
        if actor is not None:
            record_staff_action(
                actor=actor,
                action=CLOSE_ACTION,
                summary=_("Pointage du %(day)s clos (%(site)s)")
                % {"day": f"{day:%d/%m/%Y}", "site": site.name},
                details={"attendance_day": sheet.pk},
            )
    invoices = attendance_bill_unbooked(service=service, site=site, day=day, actor=actor)
    return CloseResult(day=sheet, closed_now=True, invoices=invoices)


def close_due_attendance_days(*, now: datetime.datetime | None = None) -> int:
    """The automatic closing: every register of a past or current day whose service closes
    itself at an hour now passed (today's after that hour). Idempotent; returns how many
    were closed."""
    now = now or timezone.now()
    local = now.astimezone(PARIS)
    closed = 0
    for service in Service.objects.exclude(attendance_close_time=None):
        last_day = (
            local.date()
            if local.time() >= service.attendance_close_time
            else (local.date() - datetime.timedelta(days=1))
        )
        open_pairs = (
            Reservation.objects.filter(
                meal_kind__service=service,
                status=Reservation.Status.CONFIRMED,
                day__lte=last_day,
                day__gte=last_day - datetime.timedelta(days=7),
            )
            .values_list("site_id", "day")
            .distinct()
        )
        taken = Attendance.objects.filter(
            meal_kind__service=service,
            day__lte=last_day,
            day__gte=last_day - datetime.timedelta(days=7),
        ).values_list("site_id", "day")
        pairs = set(open_pairs) | set(taken)
        done = set(
            AttendanceDay.objects.filter(
                service=service,
                closed_at__isnull=False,
                day__lte=last_day,
                day__gte=last_day - datetime.timedelta(days=7),
            ).values_list("site_id", "day")
        )
        sites = {site.pk: site for site in Site.objects.all()}
        for site_id, day in sorted(pairs - done):
            if attendance_close_day(
                service=service, site=sites[site_id], day=day, now=now
            ).closed_now:
                closed += 1
    return closed


def default_meal_kind(service):
    """The meal a presence without reservation is recorded for: the service's regular one."""
    return (
        MealKind.objects.filter(service=service, is_exceptional=False).order_by("position").first()
    )
