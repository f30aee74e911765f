"""Absences justified by a family or an agent: the certificate checked by its content, the
delay, and the credit of the booked meals (booking.billing.credit_plan: never twice).

Lock order: the household, then the ledger's counters."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import billing, journal
from booking.calendar import PARIS
from booking.models import AbsenceJustification, Attendance, JustificationFile, Reservation
from booking.services.attendance import AttendanceRefused, bills_now, may_amend
from ledger import services as ledger
from ledger.money import format_euros
from portal import services as portal_services
from portal.journal import record_staff_action

JUSTIFY_ACTION = journal.ABSENCE_JUSTIFIED
MAX_FILE_BYTES = 5 * 1024 * 1024
# What a certificate may be, told by its first bytes (never by its name).
MAGIC = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
MAX_DAYS = 31


@dataclass
class JustifyResult:
    justifications: list
    credit_note: object = None  # ledger Document, when a booked meal was credited


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
        if not may_amend(actor):
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
    if not bills_now(service):
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
