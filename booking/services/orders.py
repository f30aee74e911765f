"""Writes: the order's path from "Finaliser la commande" to "Valider" (or payment)."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import billing, journal, one_meal, selectors
from booking.models import Order, OrderLine, Reservation, Service
from booking.services import waiting
from booking.services.rules import (
    DRAFT_LIFETIME,
    LineError,
    OrderRefused,
    PaymentRequired,
    ReasonRequired,
    check_addition,
    check_cancellation,
    ensure_open_draft,
    locked_order,
    recheck,
)
from ledger import services as ledger
from notifications.services import prepare_email, queue_prepared
from portal.quotients import quotients_of
from portal.selectors import guardian_list
from tenants.links import commune_url, current_commune


def save_service(service: Service) -> Service:
    """Save a service and its ledger book (the titles printed on its invoices)."""
    with transaction.atomic():
        service.save()
        ledger.register_service_book(
            code=service.code,
            name=service.name,
            invoice_title=service.invoice_title,
            observations=service.invoice_observations,
        )
    return service


@transaction.atomic
def draft_order(
    *,
    household,
    service: Service,
    wanted_keys,
    created_by,
    now=None,
    overrides_deadlines=False,
    on_behalf_reason="",
) -> Order:
    """Compare the wanted grid with the stored reservations and store the difference as a
    draft order. Every line is re-checked here; nothing is applied.

    Raises OrderRefused with one message per refused day, or when nothing changes.
    """
    now = now or timezone.now()
    rules = selectors.service_rules(service)
    months = sorted(rules.months)
    reads = None
    if months:
        first, last = months[0], selectors.calendar.month_days(months[-1])[-1]
        # What the check and a refusal's grid need, in one round trip.
        reads = selectors.grid_reads(household, service, rules, first, last)
        enrolment_list = reads.enrolments
    else:
        enrolment_list = selectors.enrolments_of(household, service)
    enrolments = {e.child_id: e for e in enrolment_list}
    meal_kinds = {kind.pk: kind for kind in rules.meal_kinds}
    errors, wanted = [], set()
    for key in wanted_keys:
        parsed = selectors.parse_cell_key(key)
        if parsed is None or parsed[0] not in enrolments:
            errors.append(LineError(_("Réservation"), None, _("enfant inconnu de votre foyer")))
            continue
        if parsed[1] not in meal_kinds:
            child = enrolments[parsed[0]].child
            errors.append(LineError(str(child), parsed[2], _("type de repas inconnu")))
            continue
        wanted.add(parsed)
    if errors:
        raise OrderRefused(errors)

    if reads is None:
        raise OrderRefused([LineError(service.name, None, _("aucun mois n'est ouvert"))])
    current, taken = reads.reservations, reads.taken.copy()

    additions, cancellations = [], []
    for child_id, meal_kind_id, day in sorted(wanted - set(current), key=lambda w: (w[2], w)):
        enrolment, meal_kind = enrolments[child_id], meal_kinds[meal_kind_id]
        problem = check_addition(rules, enrolment, meal_kind, day, now, taken, overrides_deadlines)
        if problem:
            errors.append(LineError(str(enrolment.child), day, problem))
            continue
        taken[(enrolment.site_id, day)] += 1
        additions.append((enrolment.child, meal_kind, day))
    for (child_id, meal_kind_id, day), reservation in sorted(current.items()):
        if (child_id, meal_kind_id, day) in wanted or child_id not in enrolments:
            continue
        if check_cancellation(rules, reservation, now, overrides_deadlines):
            # The box was locked on the page (deadline, payment pending): not a request.
            continue
        cancellations.append(reservation)
    cancelled = {(r.child_id, r.meal_kind_id, r.day) for r in cancellations}
    added = {(child.pk, meal_kind.pk, day) for child, meal_kind, day in additions}
    for child_id, day in one_meal.conflicts(set(current) - cancelled, added):
        errors.append(LineError(str(enrolments[child_id].child), day, one_meal.refusal()))
    if errors:
        raise OrderRefused(errors, reads)
    if not additions and not cancellations:
        raise OrderRefused([LineError(service.name, None, _("aucune modification"))], reads)
    # Priced once nothing is refused: a refusal reads no quotient.
    quotients = quotients_of([household.pk]).get(household.pk, [])
    additions = [
        (child, meal_kind, day, rules.price(meal_kind, day, quotients))
        for child, meal_kind, day in additions
    ]

    order = Order.objects.create(
        household=household,
        service=service,
        created_by=created_by,
        expires_at=now + DRAFT_LIFETIME,
        overrides_deadlines=overrides_deadlines,
        on_behalf_reason=on_behalf_reason,
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                child=child,
                meal_kind=meal_kind,
                day=day,
                action=OrderLine.Action.ADD,
                unit_price=price,
            )
            for child, meal_kind, day, price in additions
        ]
        + [
            OrderLine(
                order=order,
                child_id=reservation.child_id,
                meal_kind_id=reservation.meal_kind_id,
                day=reservation.day,
                action=OrderLine.Action.CANCEL,
                unit_price=reservation.unit_price,
            )
            for reservation in cancellations
        ]
    )
    return order


def document_lines(lines):
    return [
        ledger.DocumentLine(
            child_id=line.child_id,
            child_name=str(line.child),
            day=line.day,
            label=line.meal_kind.name,
            unit_price=line.unit_price,
        )
        for line in lines
    ]


@dataclass
class Prepared:
    """What a validation computes before the places' locks: the invoice (read and checked,
    not numbered) and the confirmation e-mails (rendered, not written)."""

    invoice: object = None  # ledger PreparedDocument, or None: no invoice at booking
    emails: list = field(default_factory=list)


def prepare_validation(order, additions, cancellations) -> Prepared:
    """The validation's documents, for the lines as they will be applied (all of them:
    validate_order applies every line or none)."""
    invoice = None
    if additions and billing.invoices_at_booking(order.service):
        invoice = ledger.prepare_invoice(
            household=order.household,
            service_code=order.service.code,
            lines=document_lines(additions),
            ordered_by=order.created_by,
            order_reference=order.reference,
            idempotency_key=f"order:{order.pk}:invoice",
        )
    return Prepared(invoice=invoice, emails=confirmation_emails(order, additions, cancellations))


def apply_order(
    order, additions, cancellations, reservations, enrolments, now, *, held=None, prepared=None
):
    """Reservations and ledger documents of a checked order, in the caller's transaction,
    under the places' locks: bulk writes, nothing left to read or render but the credit
    plan of cancellations. `held`: (child, meal kind, day) → the order's held reservation
    (a card payment's); `prepared`: prepare_validation's, computed before the locks."""
    held = held or {}
    confirmed = []
    new = []
    for line in additions:
        reservation = held.get((line.child_id, line.meal_kind_id, line.day))
        if reservation is not None:
            reservation.status = Reservation.Status.CONFIRMED
            confirmed.append(reservation.pk)
        else:
            new.append(
                Reservation(
                    child=line.child,
                    meal_kind=line.meal_kind,
                    site_id=enrolments[line.child_id].site_id,
                    day=line.day,
                    status=Reservation.Status.CONFIRMED,
                    unit_price=line.unit_price,
                    order=order,
                )
            )
    if confirmed:
        Reservation.objects.filter(pk__in=confirmed).update(status=Reservation.Status.CONFIRMED)
    Reservation.objects.bulk_create(new)
    if cancellations:
        for line in cancellations:
            reservations[line.pk].status = Reservation.Status.CANCELLED
            reservations[line.pk].cancelled_by_order = order
        Reservation.objects.filter(
            pk__in=[reservations[line.pk].pk for line in cancellations]
        ).update(status=Reservation.Status.CANCELLED, cancelled_by_order=order)
    waiting.consume_requests(household=order.household, lines=additions)
    waiting.promote_waiting(
        service=order.service,
        pairs=[(reservations[line.pk].site_id, line.day) for line in cancellations],
        now=now,
    )
    if prepared is None:
        prepared = prepare_validation(order, additions, cancellations)
    if prepared.invoice is not None:
        ledger.issue_prepared(prepared.invoice)
    plan = billing.credit_plan(
        household=order.household,
        service=order.service,
        meals=[(reservations[line.pk], line.child, line.meal_kind) for line in cancellations],
    )
    if plan.lines:
        ledger.issue_credit_note(
            household=order.household,
            service_code=order.service.code,
            lines=plan.lines,
            ordered_by=order.created_by,
            order_reference=order.reference,
            idempotency_key=f"order:{order.pk}:credit",
        )
    order.status = Order.Status.VALIDATED
    order.validated_at = now
    order.save(update_fields=["status", "validated_at"])
    queue_prepared(prepared.emails)


def validate_order(*, order, household, now=None, allow_debit=False) -> Order:
    """ "Valider": apply a draft that needs no payment, in one transaction, or nothing.

    Validating twice applies once. `allow_debit` lets a commune agent validate an order
    whose amount goes on the family's account.

    The places' locks (SiteDay rows, shared by every family booking the same days) are
    taken last and kept short: the rules and lines are read before any lock, the recap,
    the household's reservations, the invoice and the e-mails under the household's lock
    only; under the places' locks remain the lock statement, the closures and places taken,
    and the writes (booking/services/rules.py, recheck).
    """
    now = now or timezone.now()
    with transaction.atomic():
        rules = selectors.service_rules(order.service)
        # A draft's lines never change (a new grid makes a new draft).
        lines = selectors.order_lines(order)
        order = locked_order(order, household)
        if order.status == Order.Status.VALIDATED:
            return order
        ensure_open_draft(order, now)
        if (
            not allow_debit
            and selectors.order_recap(order, lines, prices=rules.prices).needs_payment
        ):
            raise PaymentRequired()
        enrolments = {e.child_id: e for e in selectors.enrolments_of(household, order.service)}
        additions = [line for line in lines if line.action == OrderLine.Action.ADD]
        cancellations = [line for line in lines if line.action == OrderLine.Action.CANCEL]
        prepared = prepare_validation(order, additions, cancellations)
        enrolments, additions, cancellations, reservations = recheck(
            order, lines, now, enrolments=enrolments, rules=rules
        )
        apply_order(
            order, additions, cancellations, reservations, enrolments, now, prepared=prepared
        )
    return order


def book_for_household(
    *,
    household,
    service: Service,
    wanted_keys,
    agent,
    reason: str,
    overrides_deadlines: bool = False,
    now=None,
) -> Order:
    """A commune agent books or cancels for a family ("réalisé par" the agent): the draft
    and its validation in one transaction, the amount on the family's account. Past the
    deadlines only with a reason (ReasonRequired otherwise); OrderRefused as draft_order
    and validate_order raise it. The journal row is written in the same transaction."""
    reason = reason.strip()
    if overrides_deadlines and not reason:
        raise ReasonRequired()
    now = now or timezone.now()
    with transaction.atomic():
        order = draft_order(
            household=household,
            service=service,
            wanted_keys=wanted_keys,
            created_by=agent,
            now=now,
            overrides_deadlines=overrides_deadlines,
            on_behalf_reason=reason,
        )
        order = validate_order(order=order, household=household, now=now, allow_debit=True)
        actions = list(OrderLine.objects.filter(order=order).values_list("action", flat=True))
        journal.record_on_behalf(
            actor=agent,
            household=household,
            service=service,
            order=order,
            added=actions.count(OrderLine.Action.ADD),
            cancelled=actions.count(OrderLine.Action.CANCEL),
        )
        return order


def confirmation_emails(order, additions, cancellations) -> list:
    """The order confirmation to every guardian of the household, rendered (not written)."""
    by_child = {}
    for line in additions:
        by_child.setdefault(str(line.child), {"reserved": [], "cancelled": []})
        by_child[str(line.child)]["reserved"].append(line)
    for line in cancellations:
        by_child.setdefault(str(line.child), {"reserved": [], "cancelled": []})
        by_child[str(line.child)]["cancelled"].append(line)
    commune = current_commune()
    context = {
        "commune": commune,
        "order": order,
        "by_child": by_child,
        "planning_url": commune_url(
            commune, "booking:planning", kwargs={"service_code": order.service.code}
        ),
    }
    return [
        prepare_email(
            to=guardian.user.email,
            template="booking/order_confirmation",
            context=context,
            idempotency_key=f"order-confirmation:{order.pk}:{guardian.user_id}",
        )
        for guardian in guardian_list(order.household)
    ]
