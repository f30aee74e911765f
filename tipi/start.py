"""Card payment, the start: "Payer par carte bancaire" holds the places, then opens one
Treasury page for the order, never two at a time.

An order has at most one live operation (new or pending): a partial unique constraint,
and the operations' rows locked, then the order's, when a new one is decided. A second
"Payer" is sent to the same page while it has time left; otherwise the Treasury is asked
what became of the first (tipi.services.settle), and a new page is opened only once the
first is known to be over.
"""

import datetime
import logging
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import selectors as booking_selectors
from booking import services as booking_services
from booking.selectors import OrderStatus
from ledger import selectors as ledger_selectors
from ledger.money import format_euros, to_cents
from tenants.links import current_commune
from tipi import payfip, selectors
from tipi.models import PaymentOperation
from tipi.services import _event, _expire, make_refdet, settle, treasury

logger = logging.getLogger(__name__)

Status = PaymentOperation.Status


class PaymentUnavailable(Exception):
    """The payment cannot start; the message is for the parent."""


# A second "Payer" is sent back to the same Treasury page while it has this long left...
REUSE_MARGIN = datetime.timedelta(minutes=1)
# ...and an operation the Treasury still says nothing about counts as over this long after
# its page's validity (PayFiP's own limit, plus what a card entry begun at the last second
# may take).
OVER_MARGIN = datetime.timedelta(minutes=5)
# A concurrent "Payer" waits this much longer than one SOAP call for the idOp of the first.
WAIT_FOR_ID_OP = datetime.timedelta(seconds=2)


def start_payment(*, order, household, build_url, now=None) -> PaymentOperation:
    """ "Payer par carte bancaire": hold the places, store the operation, ask the Treasury
    for an idOp. `build_url(viewname, kwargs)` makes the absolute notification and return
    URLs. Raises booking's OrderRefused (a day no longer holds) or PaymentUnavailable.

    An order has at most one live operation. A second "Payer" gets the same page while it
    has time left; otherwise the Treasury is asked what became of it, and a new page is
    opened only once it is over. The returned operation is pending (send the parent to its
    page) or concluded (show its result)."""
    config = selectors.payfip_settings()
    regie = selectors.regie_for(order.service.code)
    if config is None or not config.is_enabled or regie is None:
        raise PaymentUnavailable(
            _("Le paiement en ligne n'est pas ouvert : contactez votre mairie.")
        )
    if booking_selectors.order_recap(order).amount_to_pay <= 0:
        raise PaymentUnavailable(_("Cette commande n'a rien à payer."))

    try:
        order = booking_services.hold_order(order=order, household=household, now=now)
    except booking_services.NothingToPay as covered:
        raise PaymentUnavailable(_("Cette commande n'a rien à payer.")) from covered
    # The held order's amount, fixed under the household lock with the credit it reserved
    # (a reused or concluded operation keeps its own).
    amount = booking_selectors.order_recap(order).amount_to_pay
    operation = _open_operation(
        order=order, household=household, amount=amount, config=config, regie=regie
    )
    if operation.status != Status.NEW:
        return operation
    return _send_to_treasury(operation, build_url)


def _send_to_treasury(operation, build_url) -> PaymentOperation:
    """Ask the Treasury for the NEW operation's idOp: it is then pending. Raises
    PaymentUnavailable when the Treasury does not answer (an order's places go back)."""
    request = payfip.PaymentRequest(
        numcli=operation.numcli,
        exer=operation.exer,
        refdet=operation.refdet,
        objet=operation.objet,
        montant=to_cents(operation.amount),
        mel=operation.mel,
        saisie=operation.saisie,
        urlnotif=build_url("tipi:notify", {}),
        urlredirect=build_url("tipi:return", {"refdet": operation.refdet}),
    )
    try:
        id_op = treasury(operation.base_url).create_payment(request)
    except (payfip.PayfipError, payfip.InvalidRequest) as error:
        # No idOp reached anyone, so nothing can be paid: give the places back.
        if _give_up_start(operation, str(error)) and operation.order_id is not None:
            booking_services.release_hold(order=operation.order, status=OrderStatus.ABANDONED)
        logger.warning("PayFiP: payment %s not started: %s", operation.refdet, error)
        raise PaymentUnavailable(
            _(
                "Le service de paiement du Trésor public ne répond pas. Rien n'a été payé ni "
                "réservé : réessayez dans quelques minutes."
            )
        ) from error
    with transaction.atomic():
        sent = PaymentOperation.objects.filter(pk=operation.pk, status=Status.NEW).update(
            id_op=id_op, status=Status.PENDING
        )
        if sent:
            _event(operation, "sent_to_treasury", f"idOp {id_op}")
    if not sent:
        # Given up meanwhile (this request took too long): its page is never shown.
        raise PaymentUnavailable(
            _("Le service de paiement du Trésor public a mis trop de temps à répondre : "
              "réessayez.")
        )  # fmt: skip
    operation.id_op, operation.status = id_op, Status.PENDING
    return operation


def _open_operation(*, order, household, amount, config, regie) -> PaymentOperation:
    """The order's new operation (status NEW, to be sent to the Treasury), or the one the
    parent must be shown instead. Decided under the operations' rows lock, then the order's
    (the order in which settling takes them); the partial unique constraint turns away a
    concurrent "Payer" that found no row to lock."""
    for _attempt in range(3):
        previous = selectors.live_operation_of(order)
        if previous is not None:
            shown = _judge_previous(previous)
            if shown is not None:
                return shown
        try:
            with transaction.atomic():
                live = PaymentOperation.objects.select_for_update().filter(
                    order=order, status__in=PaymentOperation.LIVE
                )
                if live.exists():
                    continue  # opened meanwhile by another tab: judge that one
                status = booking_services.lock_order_status(order=order)
                if status != OrderStatus.AWAITING_PAYMENT:
                    raise PaymentUnavailable(
                        _("Cette commande n'est plus en attente de paiement : refaites-la.")
                    )
                return _create_operation(order, household, amount, config, regie)
        except IntegrityError:
            continue  # a concurrent "Payer" created it first
    raise PaymentUnavailable(
        _("Un paiement est déjà en cours d'ouverture pour cette commande : réessayez.")
    )


def _payer_email(order, household) -> str:
    """The PayFiP ticket goes to the service's payer (the invoices' addressee), else to
    the guardian who booked."""
    payer = ledger_selectors.payer_of(household=household, service_code=order.service.code)
    return payer.user.email if payer is not None and payer.user.email else order.created_by.email


def _create_operation(order, household, amount, config, regie) -> PaymentOperation:
    commune = current_commune()
    operation = PaymentOperation.objects.create(
        order=order,
        household=household,
        service_code=order.service.code,
        amount=amount,
        mel=_payer_email(order, household),
        objet=payfip.clean_objet(f"{commune.name} {order.service.name} {order.reference}"),
        numcli=regie.numcli,
        exer=str(timezone.localdate().year),
        saisie=config.saisie,
        base_url=selectors.treasury_endpoint(),
    )
    operation.refdet = make_refdet(order.service.code, operation.pk)
    operation.save(update_fields=["refdet"])
    _event(operation, "created", f"{format_euros(amount)}, {order.reference}")
    return operation


def _judge_previous(previous: PaymentOperation) -> PaymentOperation | None:
    """A new "Payer" finds a live operation. Returns it when the parent must be sent to it
    (its page still has time) or shown its result (it has just concluded); None when it is
    known to be over and the order still awaits payment. Raises PaymentUnavailable while it
    may still be paid."""
    if previous.status == Status.NEW:
        # Another tab is asking the Treasury for the idOp: wait for it.
        deadline = previous.created_at + datetime.timedelta(seconds=settings.PAYFIP_TIMEOUT)
        deadline += WAIT_FOR_ID_OP
        while previous.status == Status.NEW and timezone.now() < deadline:
            time.sleep(0.1)
            previous.refresh_from_db()
        if previous.status == Status.NEW:
            # Its request died before any page was given to anyone: nothing can be paid.
            if not _give_up_start(previous, "nouveau paiement : idOp jamais reçu"):
                previous.refresh_from_db()
        if previous.status == Status.FAILED:
            return None if _still_awaiting(previous) else previous
        if previous.status != Status.PENDING:
            return previous
    age = timezone.now() - previous.created_at
    if age < payfip.PAYMENT_PAGE_VALIDITY - REUSE_MARGIN and selectors.is_platform_endpoint(
        previous.base_url
    ):
        return previous  # a second click: the same Treasury page, not a second debt
    previous = settle(id_op=previous.id_op, source="nouveau paiement") or previous
    if previous.status == Status.PENDING:
        if timezone.now() - previous.created_at < payfip.PAYMENT_PAGE_VALIDITY + OVER_MARGIN:
            ends = timezone.localtime(
                previous.created_at + payfip.PAYMENT_PAGE_VALIDITY + OVER_MARGIN
            )
            if previous.order_id is None:
                raise PaymentUnavailable(
                    _(
                        "Un paiement par carte de cette facture est déjà ouvert sur le site du "
                        "Trésor public (référence %(ref)s) : terminez-le dans sa page, ou "
                        "réessayez après %(time)s."
                    )
                    % {"ref": previous.refdet, "time": ends.strftime("%H:%M")}
                )
            raise PaymentUnavailable(
                _(
                    "Un paiement par carte de cette commande est déjà ouvert sur le site du "
                    "Trésor public (référence %(ref)s) : terminez-le dans sa page. S'il "
                    "n'aboutit pas, les places retenues seront libérées à %(time)s."
                )
                % {"ref": previous.refdet, "time": ends.strftime("%H:%M")}
            )
        previous = _expire(previous, "nouveau paiement : page du Trésor périmée")
    return None if _still_awaiting(previous) else previous


def _still_awaiting(operation) -> bool:
    if operation.order_id is None:
        return True  # an invoice: what remains to pay on it is computed again
    operation.order.refresh_from_db(fields=["status"])
    return operation.order.status == OrderStatus.AWAITING_PAYMENT


def _give_up_start(operation, reason) -> bool:
    """NEW → FAILED, only if it is still NEW (its request may answer meanwhile)."""
    with transaction.atomic():
        changed = PaymentOperation.objects.filter(pk=operation.pk, status=Status.NEW).update(
            status=Status.FAILED, settled_at=timezone.now()
        )
        if changed:
            _event(operation, "start_failed", reason)
    if changed:
        operation.status = Status.FAILED
    return bool(changed)


# A monthly invoice (post-paid services) ------------------------------------------------


def start_invoice_payment(*, invoice, household, user, build_url) -> PaymentOperation:
    """ "Payer en ligne" on one of the household's monthly invoices: the Treasury's page
    for what remains to pay on it (never more than the account's debit). An invoice has at
    most one live operation, as an order: a second click gets the same page while it has
    time left. The returned operation is pending or concluded. Raises PaymentUnavailable
    (PayFiP closed, nothing left to pay, a payment of it still open)."""
    service = invoice.account.service
    config = selectors.payfip_settings()
    regie = selectors.regie_for(service.code)
    if config is None or not config.is_enabled or regie is None:
        raise PaymentUnavailable(
            _("Le paiement en ligne n'est pas ouvert : contactez votre mairie.")
        )
    for _attempt in range(3):
        previous = selectors.live_operation_of_invoice(invoice)
        if previous is not None:
            shown = _judge_previous(previous)
            if shown is not None:
                return shown
        try:
            with transaction.atomic():
                # The operations' rows, then the household (the order in which settling
                # takes them); what remains to pay is read under the household's lock.
                live = PaymentOperation.objects.select_for_update().filter(
                    invoice=invoice, status__in=PaymentOperation.LIVE
                )
                if live.exists():
                    continue  # opened meanwhile by another tab: judge that one
                booking_services.lock_household(household)
                amount = ledger_selectors.invoices_due(household, service.code).get(invoice.pk)
                if not amount:
                    raise PaymentUnavailable(
                        _(
                            "Cette facture est déjà réglée (par un paiement ou par le crédit "
                            "de votre compte) : il n'y a rien à payer."
                        )
                    )
                operation = _create_invoice_operation(
                    invoice, household, user, amount, config, regie
                )
        except IntegrityError:
            continue  # a concurrent "Payer en ligne" created it first
        return _send_to_treasury(operation, build_url)
    raise PaymentUnavailable(
        _("Un paiement est déjà en cours d'ouverture pour cette facture : réessayez.")
    )


def _create_invoice_operation(invoice, household, user, amount, config, regie):
    commune = current_commune()
    service = invoice.account.service
    operation = PaymentOperation.objects.create(
        invoice=invoice,
        household=household,
        started_by=user,
        service_code=service.code,
        amount=amount,
        mel=user.email,
        objet=payfip.clean_objet(f"{commune.name} {service.name} {invoice.number}"),
        numcli=regie.numcli,
        exer=str(timezone.localdate().year),
        saisie=config.saisie,
        base_url=selectors.treasury_endpoint(),
    )
    operation.refdet = make_refdet(service.code, operation.pk)
    operation.save(update_fields=["refdet"])
    _event(operation, "created", f"{format_euros(amount)}, {invoice.number}")
    return operation
