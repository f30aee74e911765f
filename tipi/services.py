"""Card payment through PayFiP: settle it from what the Treasury says, reconcile, and ask
again from the back office. The start is tipi.start, the manual validation tipi.manual.

Neither the notification nor the browser's return carries a signature: the only truth is
the Treasury's answer to recupererDetailPaiementSecurise, asked over SOAP here. SOAP calls
are made outside any transaction (they may take seconds); what they tell is then applied in
one transaction with the operation row locked, so repeated or concurrent notifications
change the state once.
"""

import logging
import re
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import selectors as booking_selectors
from booking import services as booking_services
from booking.selectors import OrderStatus
from ledger import services as ledger_services
from ledger.money import format_euros, to_cents
from notifications.services import queue_email
from portal.selectors import guardians_of
from tenants.links import commune_url, current_commune
from tipi import payfip, selectors
from tipi.models import OperationEvent, PaymentOperation

logger = logging.getLogger(__name__)

Status = PaymentOperation.Status


def treasury(base_url: str) -> payfip.PayfipClient:
    """The SOAP client of an endpoint the platform offers. Any other one (an operation
    recorded when a commune could still set its own) is never called: it reads as a
    Treasury that cannot be reached."""
    if not selectors.is_platform_endpoint(base_url):
        raise payfip.PayfipUnavailable(
            f"service PayFiP {base_url!r} non reconnu par la plateforme : pas d'appel"
        )
    return payfip.PayfipClient(base_url, timeout=settings.PAYFIP_TIMEOUT)


def payment_page_url(operation: PaymentOperation) -> str:
    return treasury(operation.base_url).payment_url(operation.id_op)


def make_refdet(service_code: str, number: int) -> str:
    """Service code + 9 digits (cant000000006): the Treasury accepts only [A-Za-z0-9]."""
    return re.sub(r"[^A-Za-z0-9]", "", service_code)[:21] + f"{number:09d}"


def _event(operation, kind, detail="", actor=None):
    name = ""
    if actor is not None:
        name = actor.get_full_name() or actor.email
    return OperationEvent.objects.create(
        operation=operation, kind=kind, detail=detail, actor=actor, actor_name=name
    )


def abandon_payment(*, household, order_id, actor) -> bool:
    """ "Abandonner" from the pending-payment banner: the household's own order awaiting
    payment gives its places back (booking's release_hold). The Treasury page may still
    be paid: that payment then lands as any late one (days with room, the rest credit).
    Returns False when there is nothing of this household's to abandon."""
    order = booking_selectors.order_of_household(household, order_id)
    if order is None or order.status != OrderStatus.AWAITING_PAYMENT:
        return False
    booking_services.release_hold(order=order, status=OrderStatus.ABANDONED)
    operation = selectors.live_operation_of(order)
    if operation is not None:
        _event(operation, "abandoned_by_parent", order.reference, actor)
    return True


# Settle --------------------------------------------------------------------------------


def settle(*, id_op: str, source: str = "notification", actor=None):
    """Ask the Treasury what became of `id_op` and apply it. Safe to call any number of
    times from anywhere (notification, return page, reconciliation, back office).

    An unknown idOp changes nothing; an answer that is not final leaves the operation
    pending. Returns the operation, or None when the idOp is not ours."""
    operation = selectors.operation_by_id_op(id_op)
    if operation is None:
        logger.info("PayFiP: %s for an unknown idOp ignored", source)
        return None
    if operation.is_final:
        return operation
    answer = fetch_status(operation)
    return apply_answer(operation=operation, answer=answer, source=source, actor=actor)


def fetch_status(operation) -> payfip.PaymentDetail | payfip.PayfipError:
    """recupererDetailPaiementSecurise, outside any transaction: the detail, or the fault
    or error that stood for it."""
    try:
        return treasury(operation.base_url).payment_detail(operation.id_op)
    except payfip.PayfipError as error:
        return error


def apply_answer(*, operation, answer, source, actor=None) -> PaymentOperation:
    """What `fetch_status` brought back, applied."""
    if isinstance(answer, payfip.PayfipFault):
        return _not_final(operation, answer, source, actor)
    if isinstance(answer, payfip.PayfipError):
        _note_check(operation, "treasury_unreachable", f"{source}: {answer}", actor)
        return operation
    return apply_detail(operation=operation, detail=answer, source=source, actor=actor)


def _note_check(operation, kind, detail, actor, always=True):
    with transaction.atomic():
        PaymentOperation.objects.filter(pk=operation.pk).update(checked_at=timezone.now())
        if always or actor is not None:
            _event(operation, kind, detail, actor)


def _not_final(operation, fault, source, actor):
    age = timezone.now() - operation.created_at
    if fault.means_unknown and age > payfip.PAYMENT_PAGE_VALIDITY:
        return _expire(operation, f"{source}: {fault.code} {fault.libelle}", actor)
    if fault.means_not_yet or fault.means_unknown:
        # "Not yet": the parent may still be on the payment page. Only a person asking
        # gets an event; the reconciliation's every-minute questions would drown the history.
        _note_check(operation, "no_result_yet", f"{source}: {fault.code}", actor, always=False)
        return operation
    _note_check(operation, "treasury_error", f"{source}: {fault.code} {fault.libelle}", actor)
    return operation


def _expire(operation, reason, actor=None):
    with transaction.atomic():
        locked = PaymentOperation.objects.select_for_update().get(pk=operation.pk)
        if locked.status != Status.PENDING:
            return locked
        locked.status = Status.EXPIRED
        locked.checked_at = timezone.now()
        locked.save(update_fields=["status", "checked_at"])
        _event(locked, "expired", reason, actor)
        if locked.order_id is not None:
            booking_services.release_hold(order=locked.order, status=OrderStatus.EXPIRED)
    return locked


def _mismatch(operation, detail: payfip.PaymentDetail) -> str:
    problems = []
    if detail.refdet and detail.refdet != operation.refdet:
        problems.append(f"refdet {detail.refdet}")
    if detail.numcli and detail.numcli != operation.numcli:
        problems.append(f"numcli {detail.numcli}")
    if detail.cents != to_cents(operation.amount):
        problems.append(f"montant {detail.montant}")
    return ", ".join(problems)


def apply_detail(*, operation, detail: payfip.PaymentDetail, source="notification", actor=None):
    """Apply the Treasury's answer, in one transaction with the operation row locked."""
    with transaction.atomic():
        operation = (
            PaymentOperation.objects.select_for_update(of=("self",))
            .select_related("order__service", "order__created_by", "household", "invoice")
            .get(pk=operation.pk)
        )
        if operation.is_final:
            return operation
        operation.checked_at = timezone.now()
        problem = _mismatch(operation, detail)
        if problem:
            operation.save(update_fields=["checked_at"])
            _event(operation, "anomaly", f"{source}: réponse du Trésor différente ({problem})")
            logger.error("PayFiP: %s answer does not match: %s", operation.refdet, problem)
            return operation
        if detail.is_paid:
            _apply_payment(
                operation,
                resultrans=detail.resultrans,
                numauto=detail.numauto,
                paid_at=detail.transaction_time or timezone.now(),
                source=source,
                actor=actor,
            )
        elif detail.is_refused or detail.is_abandoned:
            operation.status = Status.REFUSED if detail.is_refused else Status.ABANDONED
            operation.resultrans = detail.resultrans
            operation.settled_at = timezone.now()
            operation.save(update_fields=["status", "resultrans", "settled_at", "checked_at"])
            _event(operation, operation.status, f"{source}: resultrans {detail.resultrans}", actor)
            if operation.order_id is not None:  # an invoice stays to be paid
                booking_services.release_hold(
                    order=operation.order,
                    status=OrderStatus.REFUSED if detail.is_refused else OrderStatus.ABANDONED,
                )
        else:
            operation.save(update_fields=["checked_at"])
            _event(operation, "anomaly", f"{source}: resultrans inconnu {detail.resultrans!r}")
    return operation


def _apply_payment(operation, *, resultrans, numauto, paid_at, source, actor, reason=""):
    """Record the payment, then confirm the order (invoice, credit note, e-mail); a monthly
    invoice's payment names the invoice's reference ("Acquittée"). The caller holds the
    operation's row lock."""
    order = operation.order
    booking_services.lock_household(operation.household)  # before the ledger's counters
    payment = ledger_services.record_payment(
        household=operation.household,
        service_code=operation.service_code,
        amount=operation.amount,
        mode="card",
        recorded_by=order.created_by if order is not None else operation.started_by,
        idempotency_key=f"payfip:{operation.refdet}",
        treasury_reference=f"PayFiP {operation.refdet} aut. {numauto}".strip(),
        paid_at=paid_at,
        order_reference=(
            order.reference if order is not None else operation.invoice.order_reference
        ),
    )
    dropped, paid_twice = [], False
    if order is not None:
        confirmation = booking_services.confirm_held_order(order=order)
        dropped = confirmation.dropped
        # Nothing confirmed nor dropped: the order was already paid (another operation, or
        # a manual validation). This money books nothing: it stays as credit.
        paid_twice = not confirmation.confirmed and not confirmation.dropped
    operation.status = Status.PAID
    operation.paid_twice = paid_twice
    operation.resultrans = resultrans
    operation.numauto = numauto
    operation.paid_at = paid_at
    operation.payment_number = payment.number
    operation.settled_at = timezone.now()
    operation.dropped_days = len(dropped)
    operation.checked_at = timezone.now()
    if actor is not None and reason:
        operation.validated_by = actor
        operation.manual_reason = reason
    operation.save()
    detail = f"{source}: {payment.number}, {format_euros(operation.amount)}"
    if numauto:
        detail += f", autorisation {numauto}"
    if reason:
        detail += f" — {reason}"
    _event(operation, "paid_manually" if reason else "paid", detail, actor)
    if dropped:
        _event(
            operation,
            "late_payment",
            _("%(count)d jour(s) sans place : leur montant reste en crédit.")
            % {"count": len(dropped)},
        )
        _tell_late_payment(operation, dropped)
    if paid_twice:
        _event(
            operation,
            "paid_twice",
            _("Commande déjà payée : %(amount)s reste en crédit sur le compte du foyer.")
            % {"amount": format_euros(operation.amount)},
        )
        _tell_paid_twice(operation)


def _tell_late_payment(operation, dropped):
    """Paid after the hold was released and some places were taken meanwhile: the parent
    and the commune learn which days were not booked and that the money is credit."""
    credited = sum((line.unit_price for line in dropped), Decimal("0.00"))
    _tell_family_and_commune(
        operation, "tipi/late_payment", "payfip-late", dropped=dropped, credited=credited
    )


def _tell_paid_twice(operation):
    """A second payment for an order already paid: the commune (which may refund it) and
    the parents learn that the money is credit on the account."""
    _tell_family_and_commune(operation, "tipi/paid_twice", "payfip-twice")


def _tell_family_and_commune(operation, template, key, **extra):
    """One e-mail to each guardian (`template`) and one to the commune (`template`_commune),
    each once per operation."""
    commune = current_commune()
    context = {
        "commune": commune,
        "operation": operation,
        "order": operation.order,
        **extra,
        "statement_url": commune_url(
            commune, "ledger:statement", kwargs={"service_code": operation.service_code}
        ),
    }
    for guardian in guardians_of(operation.household):
        queue_email(
            to=guardian.user.email,
            template=template,
            context=context,
            reply_to=commune.contact_email,
            idempotency_key=f"{key}:{operation.refdet}:{guardian.user_id}",
        )
    queue_email(
        to=commune.contact_email,
        template=f"{template}_commune",
        context=context,
        idempotency_key=f"{key}:{operation.refdet}:commune",
    )


# Reconciliation ------------------------------------------------------------------------


def reconcile(now=None) -> dict:
    """Beat task body, in one commune: ask about every operation pending for 5 minutes,
    give up on those still unknown after 2 hours. Returns counts for the log."""
    now = now or timezone.now()
    counts = {"checked": 0, "settled": 0, "expired": 0}
    stuck = PaymentOperation.objects.filter(
        status=Status.NEW, created_at__lte=now - payfip.PAYMENT_PAGE_VALIDITY
    )
    for operation in stuck:
        # The process died between storing the operation and getting its idOp.
        with transaction.atomic():
            PaymentOperation.objects.filter(pk=operation.pk, status=Status.NEW).update(
                status=Status.FAILED, settled_at=now
            )
            _event(operation, "start_failed", "reconciliation: idOp jamais reçu")
        if operation.order_id is not None:
            booking_services.release_hold(order=operation.order, status=OrderStatus.ABANDONED)
    for operation in selectors.operations_to_reconcile(now):
        counts["checked"] += 1
        result = settle(id_op=operation.id_op, source="reconciliation")
        if result is not None and result.status == Status.PENDING:
            if now - operation.created_at >= selectors.GIVE_UP_AFTER:
                _expire(result, "reconciliation: aucun résultat après 2 heures")
                counts["expired"] += 1
        elif result is not None:
            counts["settled"] += 1
    return counts


# Back office ---------------------------------------------------------------------------


def check_with_treasury(*, operation, agent) -> PaymentOperation:
    """ "Vérifier auprès du Trésor": the same path as a notification, asked by an agent."""
    if operation.id_op is None:
        return operation
    # An expired operation is asked too (settle asks every one that is not final): a
    # payment can land after we gave up, and asking again is how it is found. It stays
    # expired meanwhile, so it never becomes a second live operation of its order.
    return settle(id_op=operation.id_op, source="back office", actor=agent)
