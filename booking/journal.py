"""booking's rows of the staff journal (portal/journal.py): their codes and French words.
Each is written by the service making the change, inside its transaction."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ledger.money import format_euros
from portal.journal import journal_entry_exists, record_staff_action, register_action

ON_BEHALF = "booking.on_behalf"
CLOSURE = "booking.closure"
CORRECTING_CREDIT_NOTE = "booking.correcting_credit_note"
PRICE = "booking.price"
ATTENDANCE_AMENDED = "booking.attendance_amended"
ATTENDANCE_CLOSED = "booking.attendance_closed"
ABSENCE_JUSTIFIED = "booking.absence_justified"
INVOICE_BATCH = "booking.invoice_batch"
WAITING_REMOVED = "booking.waiting_removed"


def register_actions() -> None:
    register_action(ON_BEHALF, gettext_lazy("Réservation pour une famille"))
    register_action(CLOSURE, gettext_lazy("Fermeture"))
    register_action(CORRECTING_CREDIT_NOTE, gettext_lazy("Avoir correctif"))
    register_action(PRICE, gettext_lazy("Changement de tarif"))
    register_action(ATTENDANCE_AMENDED, gettext_lazy("Pointage clos modifié"))
    register_action(ATTENDANCE_CLOSED, gettext_lazy("Pointage clos"))
    register_action(ABSENCE_JUSTIFIED, gettext_lazy("Absence justifiée"))
    register_action(INVOICE_BATCH, gettext_lazy("Facturation mensuelle"))
    register_action(WAITING_REMOVED, gettext_lazy("Retrait de la liste d'attente"))


def days_text(days) -> str:
    days = sorted(days)
    if len(days) == 1:
        return f"{days[0]:%d/%m/%Y}"
    return _("du %(first)s au %(last)s") % {
        "first": f"{days[0]:%d/%m/%Y}",
        "last": f"{days[-1]:%d/%m/%Y}",
    }


def record_closure(*, actor, service, days, reason, result, sites=None) -> None:
    """`sites`: the sites closed; None or empty for every site of the service."""
    sites = list(sites or ())
    record_staff_action(
        actor=actor,
        action=CLOSURE,
        summary=_(
            "Fermeture %(days)s (%(service)s, %(sites)s) : %(reason)s — repas annulés : "
            "%(meals)s, crédit : %(euros)s, familles : %(families)s"
        )
        % {
            "days": days_text(days),
            "service": service.name,
            "sites": ", ".join(site.name for site in sites) if sites else _("tous les sites"),
            "reason": reason,
            "meals": result.reservations,
            "euros": format_euros(result.euros),
            "families": result.families,
        },
        details={
            "service": service.code,
            "sites": [site.name for site in sites],
            "days": [d.isoformat() for d in sorted(days)],
            "reason": reason,
            "reservations": result.reservations,
            "held": result.held,
            "euros": result.euros,
            "credit_notes": [note.number for note in result.credit_notes],
        },
    )


def record_correction(*, actor, household, invoice, credit_note, reason) -> None:
    """Once per credit note: a retry with the same idempotency key returns the same
    credit note and writes no second row."""
    if journal_entry_exists(
        action=CORRECTING_CREDIT_NOTE, details={"credit_note": credit_note.number}
    ):
        return
    record_staff_action(
        actor=actor,
        action=CORRECTING_CREDIT_NOTE,
        summary=_(
            "Avoir correctif %(number)s de %(amount)s sur la facture %(invoice)s : %(reason)s"
        )
        % {
            "number": credit_note.number,
            "amount": format_euros(credit_note.total),
            "invoice": invoice.number,
            "reason": reason,
        },
        household_id=household.pk,
        details={
            "credit_note": credit_note.number,
            "invoice": invoice.number,
            "amount": credit_note.total,
            "reason": reason,
        },
    )


def record_on_behalf(*, actor, household, service, order, added: int, cancelled: int) -> None:
    summary = _("%(service)s : repas réservés : %(added)s, annulés : %(cancelled)s (%(order)s)") % {
        "service": service.name,
        "added": added,
        "cancelled": cancelled,
        "order": order.reference,
    }
    if order.overrides_deadlines:
        summary += " — " + _("hors délais : %(reason)s") % {"reason": order.on_behalf_reason}
    record_staff_action(
        actor=actor,
        action=ON_BEHALF,
        summary=summary,
        household_id=household.pk,
        details={
            "order": order.reference,
            "service": service.code,
            "added": added,
            "cancelled": cancelled,
            "overrides_deadlines": order.overrides_deadlines,
            "reason": order.on_behalf_reason,
        },
    )


def record_price(*, actor, price, before=None, deleted=False) -> None:
    """A price added, changed or deleted in the back office."""
    what = {
        "kind": str(price.meal_kind),
        "amount": format_euros(price.amount),
        "from": f"{price.valid_from:%d/%m/%Y}",
    }
    if deleted:
        summary = _("Tarif supprimé : %(kind)s %(amount)s à partir du %(from)s") % what
    elif before is None:
        summary = _("Nouveau tarif : %(kind)s %(amount)s à partir du %(from)s") % what
    else:
        summary = _("Tarif modifié : %(kind)s %(before)s → %(amount)s à partir du %(from)s") % {
            **what,
            "before": format_euros(before["amount"]),
        }
    record_staff_action(
        actor=actor,
        action=PRICE,
        summary=summary,
        details={
            "meal_kind": price.meal_kind_id,
            "amount": price.amount,
            "valid_from": price.valid_from,
            "valid_until": price.valid_until,
            "before": before,
            "deleted": deleted,
        },
    )


def record_invoice_batch(*, actor, service, batch) -> None:
    """A post-paid service's monthly batch issued (booking/invoicing.py)."""
    record_staff_action(
        actor=actor,
        action=INVOICE_BATCH,
        summary=_(
            "Facturation de %(month)s (%(service)s, lot %(rank)s) : %(count)s factures, %(euros)s"
        )
        % {
            "month": f"{batch.month:%m/%Y}",
            "service": service.name,
            "rank": batch.rank,
            "count": batch.invoice_count,
            "euros": format_euros(batch.total),
        },
        details={"service": service.code, "month": f"{batch.month:%Y-%m}", "batch": batch.pk},
    )


def record_waiting_removed(*, actor, request, reason) -> None:
    record_staff_action(
        actor=actor,
        action=WAITING_REMOVED,
        summary=_("Retrait de la liste d'attente : %(child)s, %(day)s (%(site)s) : %(reason)s")
        % {
            "child": str(request.child),
            "day": f"{request.day:%d/%m/%Y}",
            "site": request.site.name,
            "reason": reason,
        },
        household_id=request.household_id,
        details={"request": request.pk, "day": request.day.isoformat(), "reason": reason},
    )
