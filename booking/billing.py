"""Which invoice line billed a reservation: what a cancellation credits, and only once.

Every way a booked meal is cancelled and refunded (a parent's or an agent's order, a
closure, a correcting credit note) credits the invoice line that billed it, so the ledger
refuses a second credit for the same meal whatever the path.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from booking.models import Order
from ledger import selectors as ledger_selectors
from ledger import services as ledger


@dataclass
class CreditPlan:
    lines: list = field(default_factory=list)  # ledger.DocumentLine, one per credited meal
    credited: list = field(default_factory=list)  # reservations those lines refund
    already_credited: list = field(default_factory=list)  # refunded before: no second credit

    @property
    def total(self):
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0.00"))


def credit_plan(*, household, service, meals) -> CreditPlan:
    """`meals`: (reservation, child, meal_kind) being cancelled. Each becomes a credit line
    pointing at the invoice line of the order that booked it; a meal already credited is set
    apart. A meal with no invoice line found (data older than the link) is credited unlinked."""
    meals = list(meals)
    if service.is_postpaid:
        return _postpaid_plan(household, service, meals)
    references = {Order(pk=reservation.order_id).reference for reservation, _c, _k in meals}
    candidates = {}
    if references:
        for line in ledger_selectors.invoiced_lines(
            household=household, service_code=service.code, order_references=references
        ):
            candidates.setdefault((line.order_reference, line.child_id, line.day), []).append(line)
    plan = CreditPlan()
    for reservation, child, meal_kind in meals:
        pool = candidates.get(
            (Order(pk=reservation.order_id).reference, reservation.child_id, reservation.day), []
        )
        # One meal per child and day in an order; the label tells two apart if not.
        invoice_line = min(pool, key=lambda line: line.label != meal_kind.name, default=None)
        if invoice_line is not None:
            pool.remove(invoice_line)
            if invoice_line.credited:
                plan.already_credited.append(reservation)
                continue
        plan.credited.append(reservation)
        plan.lines.append(
            ledger.DocumentLine(
                child_id=reservation.child_id,
                child_name=str(child),
                day=reservation.day,
                label=meal_kind.name,
                unit_price=invoice_line.unit_price if invoice_line else reservation.unit_price,
                quantity=invoice_line.quantity if invoice_line else 1,
                credits_line_id=invoice_line.pk if invoice_line else None,
            )
        )
    return plan


def _postpaid_plan(household, service, meals) -> CreditPlan:
    """A post-paid service invoices at month end: a meal cancelled before its month is
    invoiced is simply cancelled; after, it is credited against the monthly invoice's line
    (once)."""
    months = {reservation.day.replace(day=1) for reservation, _c, _k in meals}
    candidates = {}
    if months:
        for line in ledger_selectors.invoiced_lines(
            household=household, service_code=service.code, months=months
        ):
            candidates.setdefault((line.child_id, line.day), []).append(line)
    plan = CreditPlan()
    for reservation, child, meal_kind in meals:
        pool = candidates.get((reservation.child_id, reservation.day), [])
        invoice_line = min(pool, key=lambda line: line.label != meal_kind.name, default=None)
        if invoice_line is None:
            continue  # not invoiced yet: nothing to credit
        pool.remove(invoice_line)
        if invoice_line.credited:
            plan.already_credited.append(reservation)
            continue
        plan.credited.append(reservation)
        plan.lines.append(
            ledger.DocumentLine(
                child_id=reservation.child_id,
                child_name=str(child),
                day=reservation.day,
                label=meal_kind.name,
                unit_price=invoice_line.unit_price,
                quantity=invoice_line.quantity,
                credits_line_id=invoice_line.pk,
            )
        )
    return plan


def invoices_at_booking(service) -> bool:
    """Prepaid services invoice each order when it is validated; post-paid ones at month
    end, in a batch (booking/invoicing.py)."""
    return not service.is_postpaid
