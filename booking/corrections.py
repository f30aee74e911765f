"""The back office's "Avoir correctif": credit some lines of an invoice, once.

A credited meal that is still to come (today or later) is cancelled at the same time, so the
family is not both refunded and served: the kitchen list and the grid drop it, and a later
order cannot cancel (and credit) it again. A past meal stays as it was served.

It lives in booking, not ledger, because it changes reservations as well as the account;
booking may call the ledger, never the other way round.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import journal
from booking.models import Order, Reservation, Service
from booking.services.waiting import promote_waiting
from ledger import selectors as ledger_selectors
from ledger import services as ledger
from portal import services as portal_services


@dataclass
class Correction:
    credit_note: object  # ledger CreditNote
    cancelled: list = field(default_factory=list)  # reservations cancelled with it


def _order_id(reference: str) -> int | None:
    if reference.startswith("CMD") and reference[3:].isdigit():
        return int(reference[3:])
    return None


def issue_correcting_credit_note(
    *,
    household,
    service_code: str,
    invoice_id: int,
    line_ids: list[int],
    reason: str,
    issued_by,
    idempotency_key: str,
    today: datetime.date | None = None,
) -> Correction:
    """Credit `line_ids` of the household's invoice `invoice_id`, in one transaction.

    Refused (ValidationError, nothing written) when a line is not on that invoice or was
    credited already, by any credit note (an order's cancellation, a closure, a correction).
    Booked meals of those lines from `today` on are cancelled. Idempotent on the key.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Indiquez le motif de l'avoir."))
    if not line_ids:
        raise ValidationError(_("Choisissez au moins une ligne à créditer."))
    today = today or timezone.localdate()
    with transaction.atomic():
        portal_services.lock_households(household_ids=[household.pk])
        lines = ledger_selectors.invoiced_lines(
            household=household, service_code=service_code, invoice_id=invoice_id
        )
        chosen = [line for line in lines if line.pk in set(line_ids)]
        if not chosen or len(chosen) != len(set(line_ids)):
            raise ValidationError(_("Choisissez des lignes de la facture à corriger."))
        invoice = ledger_selectors.invoice_of(household, service_code, invoice_id)
        if invoice is None:
            raise ValidationError(_("Choisissez une facture de ce compte."))
        credit_note = ledger.issue_credit_note(
            household=household,
            service_code=service_code,
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
                for line in chosen
            ],
            ordered_by=issued_by,
            order_reference=invoice.order_reference,
            idempotency_key=idempotency_key,
            reason=reason,
            cancels=invoice,
        )
        correction = Correction(credit_note=credit_note)
        journal.record_correction(
            actor=issued_by,
            household=household,
            invoice=invoice,
            credit_note=credit_note,
            reason=reason,
        )
        service = Service.objects.filter(code=service_code).first()
        order_id = _order_id(invoice.order_reference)
        upcoming = [line for line in chosen if line.day >= today]
        if service is None or order_id is None or not upcoming:
            return correction
        booked = list(
            Reservation.objects.select_for_update(of=("self",))
            .select_related("meal_kind")
            .filter(
                order__in=Order.objects.filter(pk=order_id, household=household),
                meal_kind__service=service,
                status=Reservation.Status.CONFIRMED,
                day__in={line.day for line in upcoming},
                child_id__in={line.child_id for line in upcoming},
            )
            .order_by("pk")
        )
        for line in upcoming:
            match = min(
                (r for r in booked if (r.child_id, r.day) == (line.child_id, line.day)),
                key=lambda r: r.meal_kind.name != line.label,
                default=None,
            )
            if match is not None:
                booked.remove(match)
                correction.cancelled.append(match)
        Reservation.objects.filter(pk__in=[r.pk for r in correction.cancelled]).update(
            status=Reservation.Status.CANCELLED
        )
        promote_waiting(service=service, pairs=[(r.site_id, r.day) for r in correction.cancelled])
    return correction
