"""Card payments on the booking side: the places held while the Treasury is asked, then
confirmed (even late), released or expired."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from booking import credit, selectors
from booking.credit import NothingToPay
from booking.models import Order, OrderLine, Reservation
from booking.services import waiting
from booking.services.orders import apply_order
from booking.services.rules import (
    HOLD_LIFETIME,
    ensure_open_draft,
    lock_site_days,
    locked_order,
    recheck,
)
from ledger import selectors as ledger_selectors


def hold_order(*, order, household, now=None) -> Order:
    """Payment starts: the new places are held (they count against capacity) and the
    credit the order counts on is reserved (booking/credit.py) until the payment is
    confirmed, refused, abandoned or the hold expires. Raises NothingToPay when the credit
    available covers the order."""
    now = now or timezone.now()
    with transaction.atomic():
        order = locked_order(order, household)
        if order.status == Order.Status.AWAITING_PAYMENT:
            return order
        ensure_open_draft(order, now)
        lines = selectors.order_lines(order)
        recap = selectors.order_recap(order, lines)
        if not recap.needs_payment:
            raise NothingToPay()
        enrolments, additions, _cancellations, _reservations = recheck(order, lines, now)
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
        waiting.consume_requests(household=household, lines=additions)
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
        order = locked_order(order, order.household)
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

        def closed_for(line):
            enrolment = enrolments.get(line.child_id)
            site_id = enrolment.site_id if enrolment else None
            return selectors.is_closed(closed, site_id, line.day)

        dropped = [line for line in additions if closed_for(line)]
        additions = [line for line in additions if not closed_for(line)]
        if order.status != Order.Status.AWAITING_PAYMENT:
            # The held places were released: take again those that are still free.
            lock_site_days(
                (enrolments[line.child_id].site_id, line.day)
                for line in additions + cancellations
                if line.child_id in enrolments
            )
            rules = selectors.service_rules(order.service)
            taken = selectors.places_taken(
                {e.site_id for e in enrolments.values()}, min(days), max(days), order.household
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
                    or not rules.has_room(taken, enrolment, line.day)
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
        held = {
            (r.child_id, r.meal_kind_id, r.day): r
            for r in order.reservations.filter(status=Reservation.Status.HELD)
        }
        apply_order(order, additions, cancellations, reservations, enrolments, now, held=held)
    return Confirmation(order, additions + cancellations, dropped)


def _still_confirmed(current, line) -> bool:
    reservation = current.get((line.child_id, line.meal_kind_id, line.day))
    return reservation is not None and reservation.status == Reservation.Status.CONFIRMED


def lock_order_status(*, order) -> str:
    """The order's status, its row locked in the caller's transaction (tipi takes it after
    its operations' rows, the order in which settling takes them)."""
    return (
        Order.objects.select_for_update().filter(pk=order.pk).values_list("status", flat=True).get()
    )


def release_hold(*, order, status=Order.Status.ABANDONED) -> Order:
    """Refused, abandoned or expired payment: the held places and the reserved credit go
    back. Idempotent."""
    with transaction.atomic():
        order = locked_order(order, order.household)
        if order.status != Order.Status.AWAITING_PAYMENT:
            return order
        held = list(
            order.reservations.filter(status=Reservation.Status.HELD).values_list("site_id", "day")
        )
        order.reservations.filter(status=Reservation.Status.HELD).update(
            status=Reservation.Status.CANCELLED
        )
        waiting.promote_waiting(service=order.service, pairs=held)
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
