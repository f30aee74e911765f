"""Writes of the register ("pointage") and of absences: a tap, the day's closing (and what
it bills), an absence justified (and what it credits).

Lock order, as every writer: households (by id), then the register's day row
(AttendanceDay), then the ledger's counters (numbering). A tap locks only the day row; the
closing reads the households to bill, locks them, then the day row, and starts again if a
tap added a household meanwhile.

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

from booking import billing, journal
from booking.calendar import PARIS
from booking.models import (
    AbsenceJustification,
    Attendance,
    AttendanceDay,
    Enrolment,
    JustificationFile,
    MealKind,
    Reservation,
)
from ledger import selectors as ledger_selectors
from ledger import services as ledger
from ledger.money import format_euros
from portal import services as portal_services
from portal.journal import record_staff_action

AMEND_PERMISSION = "booking.amend_closed_attendance"
TAP_ACTION = journal.ATTENDANCE_AMENDED
CLOSE_ACTION = journal.ATTENDANCE_CLOSED
JUSTIFY_ACTION = journal.ABSENCE_JUSTIFIED
MAX_FILE_BYTES = 5 * 1024 * 1024
# What a certificate may be, told by its first bytes (never by its name).
MAGIC = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
MAX_DAYS = 31


class AttendanceRefused(ValidationError):
    """Nothing was changed; the message says why, in French."""


@dataclass
class CloseResult:
    day: AttendanceDay
    closed_now: bool
    invoices: list = field(default_factory=list)


@dataclass
class JustifyResult:
    justifications: list
    credit_note: object = None  # ledger Document, when a booked meal was credited


def _bills_now(service) -> bool:
    return getattr(service, "billing_mode", "prepaid") != "monthly"


def _lock_day(service, site, day) -> AttendanceDay:
    AttendanceDay.objects.get_or_create(service=service, site=site, day=day)
    return AttendanceDay.objects.select_for_update().get(service=service, site=site, day=day)


def _may_amend(user) -> bool:
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
            if not _may_amend(actor):
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
    if not _bills_now(service) or service.unbooked_meal_price is None:
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
    from booking.models import Service  # noqa: PLC0415 - kept local: the beat's entry

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
            AttendanceDay.objects.filter(service=service, closed_at__isnull=False).values_list(
                "site_id", "day"
            )
        )
        from booking.models import Site  # noqa: PLC0415

        sites = {site.pk: site for site in Site.objects.all()}
        for site_id, day in sorted(pairs - done):
            if attendance_close_day(
                service=service, site=sites[site_id], day=day, now=now
            ).closed_now:
                closed += 1
    return closed


def justification_deadline(service, day: datetime.date) -> datetime.datetime:
    """The end of the day of absence, plus the service's delay."""
    end_of_day = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(0, 0), tzinfo=PARIS
    )
    return end_of_day + datetime.timedelta(hours=service.justification_delay_hours)


def check_justification_file(*, name: str, data: bytes) -> str:
    """The content type of a certificate, told by its content; refused if not PDF, JPEG or
    PNG or over 5 MB."""
    if len(data) > MAX_FILE_BYTES:
        raise AttendanceRefused(_("Le justificatif dépasse 5 Mo."))
    for magic, content_type in MAGIC.items():
        if data.startswith(magic):
            return content_type
    raise AttendanceRefused(_("Le justificatif doit être un fichier PDF, JPEG ou PNG."))


def absence_justify(
    *,
    household,
    child,
    service,
    days,
    reason: str,
    actor,
    comment: str = "",
    file_name: str = "",
    file_data: bytes | None = None,
    late_reason: str = "",
    now: datetime.datetime | None = None,
) -> JustifyResult:
    """Record why `child` was (or will be) absent on `days`, and credit the booked meals of
    those days (one credit note for the call). Refused past the service's delay unless
    `actor` may amend a closed register and gives `late_reason` (journaled); refused for a
    day the child is recorded present or is justified already."""
    now = now or timezone.now()
    days = sorted(set(days))
    late_reason = (late_reason or "").strip()
    if child.household_id != household.pk:
        raise AttendanceRefused(_("Cet enfant n'est pas de ce foyer."))
    if not days or len(days) > MAX_DAYS:
        raise AttendanceRefused(_("Indiquez de 1 à %(count)d jours.") % {"count": MAX_DAYS})
    if reason not in AbsenceJustification.Reason.values:
        raise AttendanceRefused(_("Choisissez le motif de l'absence."))
    content_type = ""
    if file_data is not None:
        content_type = check_justification_file(name=file_name, data=file_data)
    booked = set(
        Reservation.objects.filter(
            child=child,
            meal_kind__service=service,
            day__in=days,
            status=Reservation.Status.CONFIRMED,
        ).values_list("day", flat=True)
    )
    days = [d for d in days if d in booked]
    if not days:
        raise AttendanceRefused(_("Aucun repas n'est réservé pour cet enfant ces jours-là."))
    late = [d for d in days if now > justification_deadline(service, d)]
    staff = actor is not None and actor.is_staff
    if late:
        if not _may_amend(actor):
            raise AttendanceRefused(
                _(
                    "Le délai pour justifier l'absence du %(day)s est dépassé "
                    "(%(hours)d heures après le jour d'absence)."
                )
                % {"day": f"{late[0]:%d/%m/%Y}", "hours": service.justification_delay_hours}
            )
        if not late_reason:
            raise AttendanceRefused(_("Indiquez le motif de l'acceptation hors délai."))
    with transaction.atomic():
        portal_services.lock_households(household_ids=[household.pk])
        if AbsenceJustification.objects.filter(child=child, service=service, day__in=days).exists():
            raise AttendanceRefused(_("Une absence est déjà signalée pour ce jour."))
        if Attendance.objects.filter(
            child=child, meal_kind__service=service, day__in=days, present=True
        ).exists():
            raise AttendanceRefused(_("L'enfant est pointé présent ce jour-là."))
        stored = None
        if file_data is not None:
            stored = JustificationFile.objects.create(
                household=household,
                filename=(file_name or "justificatif")[-150:],
                content_type=content_type,
                size=len(file_data),
                data=file_data,
            )
        justifications = AbsenceJustification.objects.bulk_create(
            [
                AbsenceJustification(
                    household=household,
                    child=child,
                    service=service,
                    day=d,
                    reason=reason,
                    comment=comment[:300],
                    file=stored,
                    declared_by=actor,
                    declared_at=now,
                    late_reason=late_reason if d in late else "",
                )
                for d in days
            ]
        )
        credit_note = _credit_justified(household, child, service, justifications, actor)
        if staff:
            record_staff_action(
                actor=actor,
                action=JUSTIFY_ACTION,
                summary=_("Absence justifiée de %(child)s %(days)s : %(reason)s%(late)s%(credit)s")
                % {
                    "child": child,
                    "days": ", ".join(f"{d:%d/%m/%Y}" for d in days),
                    "reason": AbsenceJustification.Reason(reason).label,
                    "late": (_(" — hors délai : %(why)s") % {"why": late_reason}) if late else "",
                    "credit": (
                        _(" — avoir %(amount)s") % {"amount": format_euros(credit_note.total)}
                        if credit_note
                        else ""
                    ),
                },
                household_id=household.pk,
                details={"justifications": [j.pk for j in justifications], "late": bool(late)},
            )
    return JustifyResult(justifications=justifications, credit_note=credit_note)


def _credit_justified(household, child, service, justifications, actor):
    if not _bills_now(service):
        return None
    days = [j.day for j in justifications]
    reservations = list(
        Reservation.objects.filter(
            child=child,
            meal_kind__service=service,
            day__in=days,
            status=Reservation.Status.CONFIRMED,
        ).select_related("child", "meal_kind")
    )
    if not reservations:
        return None
    plan = billing.credit_plan(
        household=household,
        service=service,
        meals=[(r, r.child, r.meal_kind) for r in reservations],
    )
    if not plan.lines:
        return None
    credit_note = ledger.issue_credit_note(
        household=household,
        service_code=service.code,
        lines=plan.lines,
        ordered_by=actor,
        order_reference="",
        idempotency_key=f"absence:{justifications[0].pk}:{household.pk}",
        reason=_("absence justifiée"),
    )
    AbsenceJustification.objects.filter(pk__in=[j.pk for j in justifications]).update(
        credit_note_id=credit_note.pk
    )
    return credit_note


def default_meal_kind(service):
    """The meal a presence without reservation is recorded for: the service's regular one."""
    return (
        MealKind.objects.filter(service=service, is_exceptional=False).order_by("position").first()
    )
