"""Credit reserved by the orders awaiting their card payment, and the household lock.

Credit is the account's positive balance (no "apply credit" document). An order awaiting its
card payment counts on part of that balance: `Order.reserved_credit`, fixed under the
household lock when the payment starts (`hold_order`), so that the Treasury is asked only for
the rest. Until that order is paid, refused, abandoned or expired, that part is not there for
any other order of the household: every recap computes "Somme à payer" from the balance minus
what the household's other orders awaiting payment reserved, and `validate_order`,
`hold_order`, `confirm_held_order` and `release_hold` re-check it under the household's lock.

`reserved_credit` is signed: an order placed while the account was in debit also pays that
debt, and reserves a negative amount (its payment will bring the balance up by as much).
Whatever happens, balance − Σ reserved_credit of the orders awaiting payment is what the
balance will be once they are all paid: the money the family can still spend.

Lock order, everywhere: household → order → places (SiteDay) → ledger counters.
"""

from decimal import Decimal

from django.db.models import Sum

from booking.models import Order
from portal import services as portal_services
from tenants.compiled import compiled_query

ZERO = Decimal("0.00")


class NothingToPay(Exception):
    """The credit available covers the order: it is validated, not paid by card."""


def lock_household(household) -> None:
    """The family's lock, taken first in every booking write that spends or frees credit."""
    portal_services.lock_household(household_id=household.pk)


def reserved_by_other_orders(order) -> Decimal:
    """Credit the household's other orders awaiting payment count on, for this service."""
    query, values = reserved_read(order)
    return reserved_of_rows(query.fetch(**values))


def reserved_read(order) -> tuple:
    """reserved_by_other_orders' statement and values (tenants.compiled.fetch_together)."""
    return _reserved_by_others, {
        "household_id": order.household_id,
        "service_id": order.service_id,
        "order_id": order.pk,
    }


def reserved_of_rows(rows) -> Decimal:
    total = rows[0]["total"] if rows else None
    return ZERO if total is None else total


@compiled_query
def _reserved_by_others(household_id, service_id, order_id):
    return (
        Order.objects.filter(
            household_id=household_id,
            service_id=service_id,
            status=Order.Status.AWAITING_PAYMENT,
        )
        .exclude(pk=order_id)
        .order_by()
        .values("household_id")
        .annotate(total=Sum("reserved_credit"))
    )


def credit_to_reserve(recap) -> Decimal:
    """What a held order counts on: its net total less what the Treasury is asked for."""
    return recap.total_debit - recap.total_credit - recap.amount_to_pay


def fits_in_credit(lines, budget: Decimal) -> tuple[list, list]:
    """(kept, dropped): the lines, in order, whose running total stays within `budget`."""
    kept, dropped, spent = [], [], ZERO
    for line in lines:
        if spent + line.unit_price <= budget:
            spent += line.unit_price
            kept.append(line)
        else:
            dropped.append(line)
    return kept, dropped
