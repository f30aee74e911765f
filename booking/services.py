"""Writes: the order's path from "Finaliser la commande" to "Valider" (or payment)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import billing, credit, one_meal, selectors
from booking.credit import NothingToPay, lock_household  # noqa: F401 - this module's contract
from booking.models import DeadlineRule, Order, OrderLine, Reservation, Service, SiteDay
from ledger import selectors as ledger_selectors
from ledger import services as ledger
from notifications.services import queue_email
from portal.selectors import guardians_of
from tenants.links import commune_url, current_commune

DRAFT_LIFETIME = datetime.timedelta(minutes=30)
# PayFiP's payment page lives 15 minutes; the places stay held a little longer.
HOLD_LIFETIME = datetime.timedelta(minutes=20)


@dataclass(frozen=True)
class LineError:
    child: str
    day: datetime.date | None
    message: str

    def __str__(self):
        if self.day is None:
            return f"{self.child} : {self.message}"
        return f"{self.child}, {self.day:%d/%m/%Y} : {self.message}"


class OrderRefused(Exception):
    """Some lines cannot be applied; nothing was."""

    def __init__(self, errors):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


class PaymentRequired(Exception):
    pass


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


def _check_addition(rules, enrolment, meal_kind, day, now, taken, overrides_deadlines):
    if meal_kind.service_id != rules.service.pk:
        return _("type de repas inconnu")
    if day in rules.closures:
        return _("service fermé ce jour (%(reason)s)") % {"reason": rules.closures[day]}
    if not rules.is_planned(meal_kind, enrolment.planning_group, day):
        return _("ce jour n'est pas au planning de l'enfant")
    if not overrides_deadlines and now >= rules.cutoff(DeadlineRule.Action.BOOK, day):
        return _("délai de réservation dépassé (il fallait réserver avant le %(when)s)") % {
            "when": selectors.calendar.describe_cutoff(rules.cutoff(DeadlineRule.Action.BOOK, day))
        }
    if rules.price(meal_kind, day) is None:
        return _("aucun tarif n'est fixé pour ce jour")
    if taken[(enrolment.site_id, day)] >= rules.capacity(enrolment.site, day):
        return _("plus de place disponible")
    return None


def _check_cancellation(rules, reservation, now, overrides_deadlines):
    if reservation.status != Reservation.Status.CONFIRMED:
        return _("réservation en attente de paiement")
    if not overrides_deadlines and now >= rules.cutoff(DeadlineRule.Action.CANCEL, reservation.day):
        return _("délai d'annulation dépassé")
    return None


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
    enrolments = {e.child_id: e for e in selectors.enrolments_of(household, service)}
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

    months = sorted(rules.months)
    if not months:
        raise OrderRefused([LineError(service.name, None, _("aucun mois n'est ouvert"))])
    first, last = months[0], selectors.calendar.month_days(months[-1])[-1]
    current = selectors.household_reservations(household, service, first, last)
    taken = selectors.places_taken({e.site_id for e in enrolments.values()}, first, last)

    additions, cancellations = [], []
    for child_id, meal_kind_id, day in sorted(wanted - set(current), key=lambda w: (w[2], w)):
        enrolment, meal_kind = enrolments[child_id], meal_kinds[meal_kind_id]
        problem = _check_addition(rules, enrolment, meal_kind, day, now, taken, overrides_deadlines)
        if problem:
            errors.append(LineError(str(enrolment.child), day, problem))
            continue
        taken[(enrolment.site_id, day)] += 1
        additions.append((enrolment.child, meal_kind, day, rules.price(meal_kind, day)))
    for (child_id, meal_kind_id, day), reservation in sorted(current.items()):
        if (child_id, meal_kind_id, day) in wanted or child_id not in enrolments:
            continue
        if _check_cancellation(rules, reservation, now, overrides_deadlines):
            # The box was locked on the page (deadline, payment pending): not a request.
            continue
        cancellations.append(reservation)
    cancelled = {(r.child_id, r.meal_kind_id, r.day) for r in cancellations}
    added = {(child.pk, meal_kind.pk, day) for child, meal_kind, day, _price in additions}
    for child_id, day in one_meal.conflicts(set(current) - cancelled, added):
        errors.append(LineError(str(enrolments[child_id].child), day, one_meal.refusal()))
    if errors:
        raise OrderRefused(errors)
    if not additions and not cancellations:
        raise OrderRefused([LineError(service.name, None, _("aucune modification"))])

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


def _lock_site_days(pairs):
    """Lock the (site, day) rows the order's additions need, in a fixed order so that two
    orders never wait on each other crosswise."""
    pairs = sorted(set(pairs))
    if not pairs:
        return
    SiteDay.objects.bulk_create(
        [SiteDay(site_id=site_id, day=day) for site_id, day in pairs], ignore_conflicts=True
    )
    condition = Q()
    for site_id, day in pairs:
        condition |= Q(site_id=site_id, day=day)
    list(SiteDay.objects.select_for_update().filter(condition).order_by("site_id", "day"))


def _recheck(order, lines, now):
    """Lock the places, re-check every line; returns (additions, cancellations) with the
    enrolment of each added child. Raises OrderRefused naming each failing day."""
    enrolments = {e.child_id: e for e in selectors.enrolments_of(order.household, order.service)}
    additions = [line for line in lines if line.action == OrderLine.Action.ADD]
    cancellations = [line for line in lines if line.action == OrderLine.Action.CANCEL]
    errors = []
    for line in lines:
        if line.child_id not in enrolments:
            errors.append(LineError(str(line.child), line.day, _("enfant non inscrit")))
    if errors:
        raise OrderRefused(errors)
    _lock_site_days((enrolments[line.child_id].site_id, line.day) for line in additions)
    rules = selectors.service_rules(order.service)  # after the locks: sees a closure just made

    days = [line.day for line in lines]
    taken = selectors.places_taken({e.site_id for e in enrolments.values()}, min(days), max(days))
    current = selectors.household_reservations(order.household, order.service, min(days), max(days))
    for line in additions:
        enrolment = enrolments[line.child_id]
        if (line.child_id, line.meal_kind_id, line.day) in current:
            errors.append(LineError(str(line.child), line.day, _("déjà réservé")))
            continue
        problem = _check_addition(
            rules, enrolment, line.meal_kind, line.day, now, taken, order.overrides_deadlines
        )
        if problem:
            errors.append(LineError(str(line.child), line.day, problem))
        else:
            taken[(enrolment.site_id, line.day)] += 1
    reservations = {}
    for line in cancellations:
        reservation = current.get((line.child_id, line.meal_kind_id, line.day))
        problem = (
            _("cette réservation n'existe plus")
            if reservation is None
            else _check_cancellation(rules, reservation, now, order.overrides_deadlines)
        )
        if problem:
            errors.append(LineError(str(line.child), line.day, problem))
        else:
            reservations[line.pk] = reservation
    cancelled = {(line.child_id, line.meal_kind_id, line.day) for line in cancellations}
    added = {(line.child_id, line.meal_kind_id, line.day) for line in additions}
    for child_id, day in one_meal.conflicts(set(current) - cancelled, added):
        errors.append(LineError(str(enrolments[child_id].child), day, one_meal.refusal()))
    if errors:
        raise OrderRefused(errors)
    return enrolments, additions, cancellations, reservations


def _document_lines(lines):
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


def _apply(order, additions, cancellations, reservations, enrolments, now):
    """Reservations and ledger documents of a checked order, in the caller's transaction."""
    held = {
        (r.child_id, r.meal_kind_id, r.day): r
        for r in order.reservations.filter(status=Reservation.Status.HELD)
    }
    for line in additions:
        reservation = held.get((line.child_id, line.meal_kind_id, line.day))
        if reservation is not None:
            reservation.status = Reservation.Status.CONFIRMED
            reservation.save(update_fields=["status"])
        else:
            Reservation.objects.create(
                child=line.child,
                meal_kind=line.meal_kind,
                site_id=enrolments[line.child_id].site_id,
                day=line.day,
                status=Reservation.Status.CONFIRMED,
                unit_price=line.unit_price,
                order=order,
            )
    for line in cancellations:
        reservation = reservations[line.pk]
        reservation.status = Reservation.Status.CANCELLED
        reservation.cancelled_by_order = order
        reservation.save(update_fields=["status", "cancelled_by_order"])
    if additions:
        ledger.issue_invoice(
            household=order.household,
            service_code=order.service.code,
            lines=_document_lines(additions),
            ordered_by=order.created_by,
            order_reference=order.reference,
            idempotency_key=f"order:{order.pk}:invoice",
        )
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
    _queue_confirmation(order, additions, cancellations)


def _locked_order(order, household) -> Order:
    """The household's lock first (credit), then the order's row."""
    credit.lock_household(household)
    # The order's and its household's rows only: locking the joined service row too would
    # queue every writer of the service behind it (and deadlock a closure's commit).
    return (
        Order.objects.select_for_update(of=("self", "household"))
        .select_related("service", "household", "created_by")
        .get(pk=order.pk, household=household)
    )


def _ensure_open_draft(order, now):
    if order.status != Order.Status.DRAFT or now >= order.expires_at:
        raise OrderRefused(
            [LineError(order.service.name, None, _("cette commande n'est plus valable"))]
        )


def validate_order(*, order, household, now=None, allow_debit=False) -> Order:
    """ "Valider": apply a draft that needs no payment, in one transaction, or nothing.

    Validating twice applies once. `allow_debit` lets a commune agent validate an order
    whose amount goes on the family's account.
    """
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked_order(order, household)
        if order.status == Order.Status.VALIDATED:
            return order
        _ensure_open_draft(order, now)
        lines = selectors.order_lines(order)
        if not allow_debit and selectors.order_recap(order, lines).needs_payment:
            raise PaymentRequired()
        enrolments, additions, cancellations, reservations = _recheck(order, lines, now)
        _apply(order, additions, cancellations, reservations, enrolments, now)
    return order


def hold_order(*, order, household, now=None) -> Order:
    """Payment starts: the new places are held (they count against capacity) and the
    credit the order counts on is reserved (booking/credit.py) until the payment is
    confirmed, refused, abandoned or the hold expires. Raises NothingToPay when the credit
    available covers the order."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked_order(order, household)
        if order.status == Order.Status.AWAITING_PAYMENT:
            return order
        _ensure_open_draft(order, now)
        lines = selectors.order_lines(order)
        recap = selectors.order_recap(order, lines)
        if not recap.needs_payment:
            raise NothingToPay()
        enrolments, additions, _cancellations, _reservations = _recheck(order, lines, now)
        Reservation.objects.bulk_create(
            [
                Reservation(
                    child=line.child,
                    meal_kind=line.meal_kind,
                    site_id=enrolments[line.child_id].site_id,
                    day=line.day,
                    status=Reservation.Status.HELD,
                    unit_price=line.unit_price,
                    order=order,
                )
                for line in additions
            ]
        )
        order.reserved_credit = credit.credit_to_reserve(recap)  # while still a draft
        order.status = Order.Status.AWAITING_PAYMENT
        order.expires_at = now + HOLD_LIFETIME
        order.save(update_fields=["status", "expires_at", "reserved_credit"])
    return order


@dataclass
class Confirmation:
    order: Order
    confirmed: list  # OrderLines applied
    dropped: list  # additions that found no room any more (paid late): their money is credit

    @property
    def late(self) -> bool:
        return bool(self.dropped)


def confirm_held_order(*, order, now=None) -> Confirmation:
    """The payment is confirmed: the places become reservations, the documents are issued.

    Idempotent. A payment confirmed after its hold was released (expired, abandoned) still
    lands: days that still have room, and that the account (the payment included, less the
    credit other held orders reserved) still covers, are booked; the others are dropped and
    their amount, already paid, stays on the account as credit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked_order(order, order.household)
        lines = selectors.order_lines(order)
        if order.status == Order.Status.VALIDATED:
            return Confirmation(order, [], [])
        enrolments = {
            e.child_id: e for e in selectors.enrolments_of(order.household, order.service)
        }
        additions = [line for line in lines if line.action == OrderLine.Action.ADD]
        cancellations = [line for line in lines if line.action == OrderLine.Action.CANCEL]
        days = [line.day for line in lines]
        current = selectors.household_reservations(
            order.household, order.service, min(days), max(days)
        )
        # A day closed meanwhile is not booked: its amount, paid, stays as credit.
        closed = selectors.closed_days(order.service, min(days), max(days))
        dropped = [line for line in additions if line.day in closed]
        additions = [line for line in additions if line.day not in closed]
        if order.status != Order.Status.AWAITING_PAYMENT:
            # The held places were released: take again those that are still free.
            _lock_site_days((enrolments[line.child_id].site_id, line.day) for line in additions)
            rules = selectors.service_rules(order.service)
            taken = selectors.places_taken(
                {e.site_id for e in enrolments.values()}, min(days), max(days)
            )
            kept = []
            cancelled = {(line.child_id, line.meal_kind_id, line.day) for line in cancellations}
            meals_of_day = {(child_id, day) for child_id, _kind, day in set(current) - cancelled}
            for line in additions:
                enrolment = enrolments.get(line.child_id)
                key = (line.child_id, line.meal_kind_id, line.day)
                if (
                    enrolment is None
                    or key in current
                    or (line.child_id, line.day) in meals_of_day
                    or taken[(enrolment.site_id, line.day)]
                    >= rules.capacity(enrolment.site, line.day)
                ):
                    dropped.append(line)
                else:
                    taken[(enrolment.site_id, line.day)] += 1
                    meals_of_day.add((line.child_id, line.day))
                    kept.append(line)
            # The credit it counted on was freed with the hold: book only what the account
            # (the payment included) still covers; the rest of the money stays credit.
            budget = (
                ledger_selectors.balance(order.household, order.service.code)
                - credit.reserved_by_other_orders(order)
                + sum(
                    (line.unit_price for line in cancellations if _still_confirmed(current, line)),
                    Decimal("0.00"),
                )
            )
            additions, uncovered = credit.fits_in_credit(kept, budget)
            dropped += uncovered
        reservations = {}
        for line in cancellations:
            reservation = current.get((line.child_id, line.meal_kind_id, line.day))
            if reservation is not None and reservation.status == Reservation.Status.CONFIRMED:
                reservations[line.pk] = reservation
        cancellations = [line for line in cancellations if line.pk in reservations]
        _apply(order, additions, cancellations, reservations, enrolments, now)
    return Confirmation(order, additions + cancellations, dropped)


def _still_confirmed(current, line) -> bool:
    reservation = current.get((line.child_id, line.meal_kind_id, line.day))
    return reservation is not None and reservation.status == Reservation.Status.CONFIRMED


def release_hold(*, order, status=Order.Status.ABANDONED) -> Order:
    """Refused, abandoned or expired payment: the held places and the reserved credit go
    back. Idempotent."""
    with transaction.atomic():
        order = _locked_order(order, order.household)
        if order.status != Order.Status.AWAITING_PAYMENT:
            return order
        order.reservations.filter(status=Reservation.Status.HELD).update(
            status=Reservation.Status.CANCELLED
        )
        order.status = status
        order.save(update_fields=["status"])
    return order


def expire_holds(now=None) -> int:
    now = now or timezone.now()
    expired = Order.objects.filter(status=Order.Status.AWAITING_PAYMENT, expires_at__lte=now)
    count = 0
    for order in expired:
        release_hold(order=order, status=Order.Status.EXPIRED)
        count += 1
    return count


def _queue_confirmation(order, additions, cancellations):
    """The order confirmation, to every guardian of the household."""
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
    for guardian in guardians_of(order.household):
        queue_email(
            to=guardian.user.email,
            template="booking/order_confirmation",
            context=context,
            idempotency_key=f"order-confirmation:{order.pk}:{guardian.user_id}",
        )
