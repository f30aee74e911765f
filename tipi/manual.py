"""The town hall's manual validation ("procédera à la validation manuelle"): a parent shows
the Treasury's ticket for a payment whose status Préau cannot learn (the Treasury cannot be
reached, or no longer knows the idOp) or that is stuck. The status is asked again first;
an operation the Treasury refused, that the family abandoned, that never reached the
Treasury, or about which the Treasury says something (paid, still waiting) is not
validated by hand. Who tried, and why, is in the history either way."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tipi import journal, payfip, services
from tipi.models import PaymentOperation
from tipi.services import _apply_payment, _event

Status = PaymentOperation.Status


class ManualValidationRefused(Exception):
    """The operation may not be validated by hand; the message is for the agent."""


def record_manual_payment(
    *, operation, agent, numauto: str, paid_at: datetime.datetime, reason: str
) -> PaymentOperation:
    """Record the payment with the ticket's numbers, the agent's name and a reason, once
    the Treasury, asked again, has not said otherwise. Same idempotency key as the
    automatic path, so a notification arriving later changes nothing. Raises
    ManualValidationRefused."""
    reason, numauto = reason.strip(), numauto.strip()
    if not reason:
        raise ManualValidationRefused(_("Indiquez le motif de la validation manuelle."))
    if not numauto:
        raise ManualValidationRefused(_("Indiquez le n° d'autorisation du ticket du Trésor."))
    if paid_at > timezone.now():
        # A ticket cannot be dated later than now; the balance would not count it yet.
        raise ManualValidationRefused(
            _("La date et l'heure du paiement ne peuvent pas être dans le futur.")
        )
    answer = None
    if operation.id_op and not operation.is_final:
        answer = services.fetch_status(operation)
        operation = services.apply_answer(
            operation=operation, answer=answer, source="validation manuelle", actor=agent
        )
    with transaction.atomic():
        operation = (
            PaymentOperation.objects.select_for_update(of=("self",))
            .select_related("order__service", "order__created_by", "household", "invoice")
            .get(pk=operation.pk)
        )
        refusal = refusal_reason(operation, answer)
        if refusal is None:
            _apply_payment(
                operation,
                resultrans=payfip.PAID_BY_CARD,
                numauto=numauto,
                paid_at=paid_at,
                source="validation manuelle",
                actor=agent,
                reason=reason,
            )
            journal.record_manual_validation(
                actor=agent, operation=operation, numauto=numauto, reason=reason
            )
        else:
            _event(operation, "manual_refused", f"{refusal} — {reason}", agent)
    if refusal is not None:
        raise ManualValidationRefused(refusal)
    return operation


def refusal_reason(operation, answer) -> str | None:
    """Why `operation` may not be validated by hand, given the Treasury's latest `answer`
    (None when it was not asked), or None when its status is unknown or stuck."""
    if operation.status == Status.PAID:
        return _(
            "Le Trésor public indique que ce paiement est déjà payé (règlement %(number)s, "
            "autorisation %(numauto)s) : il n'y a rien à valider."
        ) % {"number": operation.payment_number, "numauto": operation.numauto or "—"}
    if operation.status == Status.REFUSED:
        return _(
            "Le Trésor public a refusé ce paiement (résultat %(code)s) : il ne peut pas être "
            "validé manuellement. La famille n'a pas été débitée ; elle peut refaire sa "
            "commande."
        ) % {"code": operation.resultrans or "R"}
    if operation.status == Status.ABANDONED:
        return _(
            "La famille a abandonné ce paiement sur le site du Trésor public : il ne peut "
            "pas être validé manuellement. Rien n'a été débité ; elle peut refaire sa "
            "commande."
        )
    if operation.status in (Status.NEW, Status.FAILED) or not operation.id_op:
        return _(
            "Ce paiement n'a jamais été ouvert sur le site du Trésor public : rien n'a pu "
            "être payé, il ne peut pas être validé manuellement."
        )
    if isinstance(answer, payfip.PayfipFault) and answer.means_not_yet:
        return _(
            "Le Trésor public indique que ce paiement est en attente : « %(libelle)s » "
            "(%(code)s). Il n'a enregistré ni paiement ni refus ; la famille est peut-être "
            "encore sur la page de paiement. Vérifiez plus tard auprès du Trésor, ne le "
            "validez pas à la main."
        ) % {"libelle": answer.libelle or answer.message, "code": answer.code}
    return None
