"""The recap of an order ("Récapitulatif réservations") and the reads of a household's
orders."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from booking import calendar, credit
from booking.models import Order, OrderLine
from booking.selectors.household import household_reservations
from booking.selectors.rules import bracket_label, cell_key, open_months, service_rules
from ledger import selectors as ledger_selectors
from portal import selectors as portal_selectors
from tenants.compiled import compiled_query, fetch_together

# The order's states, for the apps that follow an order (tipi) without reading booking.models.
OrderStatus = Order.Status


@dataclass
class RecapRow:
    """One line of the recap: a child, a meal kind, cancelled or ordered, at one unit price
    (an order across a price change has one row per price), with its days."""

    child_name: str
    meal_kind: str
    action: str  # OrderLine.Action: "cancel" or "add"
    quantity: int
    unit_price: Decimal
    amount: Decimal
    days: list
    price_label: str = ""  # "Tarif QF 2" when the meal kind's price has a QF grid

    @property
    def is_cancellation(self) -> bool:
        return self.action == OrderLine.Action.CANCEL

    @property
    def group(self) -> str:
        return f"{self.child_name} — {self.meal_kind}"


@dataclass
class Recap:
    order: Order
    opening_balance: Decimal
    rows: list
    total_credit: Decimal
    total_debit: Decimal
    # Credit the household's other orders awaiting payment count on (booking/credit.py).
    reserved_elsewhere: Decimal = Decimal("0.00")
    # A post-paid service ("facturé au mois"): nothing to pay now, the month's invoice bills it.
    postpaid: bool = False

    @property
    def opening_debit(self) -> Decimal:
        return -self.opening_balance

    @property
    def reserved_debit(self) -> Decimal:
        return -self.reserved_elsewhere

    @property
    def available_balance(self) -> Decimal:
        return self.opening_balance - self.reserved_elsewhere

    @property
    def closing_balance(self) -> Decimal:
        return self.available_balance + self.total_credit - self.total_debit

    @property
    def amount_to_pay(self) -> Decimal:
        if self.postpaid:
            return Decimal("0.00")
        if self.order.status == Order.Status.AWAITING_PAYMENT:
            # Fixed under the household lock when the payment started.
            net = self.total_debit - self.total_credit
            return max(Decimal("0.00"), net - self.order.reserved_credit)
        return max(Decimal("0.00"), -self.closing_balance)

    @property
    def amount_to_invoice(self) -> Decimal:
        """Post-paid: what the month's invoice will add (negative: less than booked)."""
        return self.total_debit - self.total_credit

    @property
    def needs_payment(self) -> bool:
        return self.amount_to_pay > 0


def order_lines(order):
    return _order_lines.fetch(order_id=order.pk)


@compiled_query
def _order_lines(order_id):
    return (
        OrderLine.objects.filter(order_id=order_id)
        .select_related("child", "meal_kind")
        .order_by("child__birth_date", "child__first_name", "meal_kind__position", "day")
    )


def order_recap(order, lines=None, prices=None) -> Recap:
    """The manual's "Récapitulatif réservations": balance, per child × meal kind the
    cancelled then ordered meals, one row per unit price with its days (as the invoice
    lists them), then what is to pay or the new balance. The credit that the household's
    other orders awaiting payment count on is not there to spend. `prices`: the service's
    (ServiceRules.prices), when the caller has them."""
    # The lines (unless given), the balance and the credit other orders count on: one trip.
    reads = [
        ledger_selectors.balance_read(order.household, order.service.code),
        credit.reserved_read(order),
    ]
    if lines is None:
        reads.append((_order_lines, {"order_id": order.pk}))
    balance_rows, reserved_rows, *read_lines = fetch_together(*reads)
    lines = read_lines[0] if lines is None else lines
    groups = defaultdict(list)  # insertion order: child, meal kind, day
    for line in lines:
        groups[(line.child, line.meal_kind)].append(line)
    rows = []
    if prices is None:  # the caller's ServiceRules.prices, or the service's rules'
        prices = service_rules(order.service).prices if groups else {}
    for (child, meal_kind), group in groups.items():
        for action in (OrderLine.Action.CANCEL, OrderLine.Action.ADD):
            by_price = defaultdict(list)
            for line in group:
                if line.action == action:
                    by_price[line.unit_price].append(line.day)
            for unit_price, days in sorted(by_price.items(), key=lambda item: min(item[1])):
                rows.append(
                    RecapRow(
                        child_name=str(child),
                        meal_kind=meal_kind.name,
                        action=action,
                        quantity=len(days),
                        unit_price=unit_price,
                        amount=unit_price * len(days),
                        days=sorted(days),
                        price_label=bracket_label(
                            prices.get(meal_kind.pk, []), min(days), unit_price
                        ),
                    )
                )
    return Recap(
        order=order,
        opening_balance=ledger_selectors.balance_of_rows(balance_rows),
        rows=rows,
        total_credit=sum((r.amount for r in rows if r.is_cancellation), Decimal("0.00")),
        total_debit=sum((r.amount for r in rows if not r.is_cancellation), Decimal("0.00")),
        reserved_elsewhere=credit.reserved_of_rows(reserved_rows),
        postpaid=order.service.is_postpaid,
    )


def wanted_keys_of_draft(order) -> set[str]:
    """The grid as the draft would leave it, to go back to it with "Modifier"."""
    months = open_months(order.service)
    if not months:
        return set()
    first, last = min(months), calendar.month_days(max(months))[-1]
    current = household_reservations(order.household, order.service, first, last)
    wanted = {cell_key(*key) for key in current}
    for line in order_lines(order):
        key = cell_key(line.child_id, line.meal_kind_id, line.day)
        if line.action == OrderLine.Action.ADD:
            wanted.add(key)
        else:
            wanted.discard(key)
    return wanted


AWAITING_READ = "booking:awaiting_payment"


def read_awaiting_with_sessions() -> None:
    """Whether an order of the household awaits a card payment comes with a parent's session
    (portal.selectors.read_with_household): the payment notice under every service's menu
    reads nothing when none does, as is most often the case."""
    table, quote = Order._meta.db_table, connection.ops.quote_name
    household_id = quote(Order._meta.get_field("household").column)
    status = Order.Status.AWAITING_PAYMENT.value
    portal_selectors.read_with_household(
        AWAITING_READ,
        f"EXISTS (SELECT 1 FROM {quote(table)} preau_o WHERE preau_o.{household_id}"  # noqa: S608 - our names, a constant
        f" = {{household_id}} AND preau_o.{quote('status')} = '{status}')",
    )


def orders_awaiting_payment(household) -> list[Order]:
    """The household's orders whose places are held while a card payment is pending."""
    if portal_selectors.read_with_session_of(household, AWAITING_READ) is False:
        return []  # read with this request's session: none
    return _orders_awaiting_payment.fetch(household_id=household.pk)


@compiled_query
def _orders_awaiting_payment(household_id):
    return (
        Order.objects.select_related("service", "household", "created_by")
        .filter(household_id=household_id, status=Order.Status.AWAITING_PAYMENT)
        .order_by("created_at")
    )


def order_of_household(household, order_id) -> Order | None:
    try:  # a session's or a form's value: digits, or nothing found
        order_id = int(order_id)
    except (TypeError, ValueError):
        return None
    if not 0 < order_id < 2**63:
        return None
    return _order_of_household.first(household_id=household.pk, order_id=order_id)


@compiled_query
def _order_of_household(household_id, order_id):
    return (
        Order.objects.select_related("service", "household", "created_by")
        .filter(household_id=household_id, pk=order_id)
        .order_by("-created_at")[:1]
    )
