"""tipi's rows of the staff journal (portal/journal.py)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ledger.money import format_euros
from portal.journal import record_staff_action, register_action

MANUAL_VALIDATION = "tipi.manual_validation"


def register_actions() -> None:
    register_action(MANUAL_VALIDATION, gettext_lazy("Validation manuelle d'un paiement"))


def record_manual_validation(*, actor, operation, numauto: str, reason: str) -> None:
    record_staff_action(
        actor=actor,
        action=MANUAL_VALIDATION,
        summary=_(
            "Paiement par carte de %(amount)s validé à la main (%(order)s, n° d'autorisation "
            "%(numauto)s) : %(reason)s"
        )
        % {
            "amount": format_euros(operation.amount),
            "order": operation.debt_reference,
            "numauto": numauto,
            "reason": reason,
        },
        household_id=operation.household_id,
        details={
            "operation": operation.pk,
            "refdet": operation.refdet,
            "amount": operation.amount,
            "numauto": numauto,
            "payment": operation.payment_number,
            "reason": reason,
        },
    )
