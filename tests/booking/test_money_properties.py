"""Random sequences of what a family, its payments and the Treasury do to one household's
money (issue 10, "Done means"): draft / validate / hold / pay (the ledger payment then
`confirm_held_order`, what tipi does when the Treasury says "paid", late or not) / refuse /
expire / cancel / closure / correcting credit note. After every step:

- the account balance equals payments + credit notes − invoices;
- no reservation is confirmed without being paid or covered by credit: every confirmed meal
  is invoiced exactly once and not credited, and the balance, less the credit reserved by
  the orders awaiting payment, never goes below zero (the family only ever had its credit and
  what it paid);
- no ledger line is credited twice (per child, meal and day: credited ≤ invoiced);
- a child has at most one meal a day, and an order awaiting payment still asks the Treasury
  for what it asked when the payment started.

Each example runs in a savepoint rolled back at its end, so examples start from the same
household: the canteen of booking.demo (tests/booking/factories.py) with a random starting credit.

The commune's two money actions are rules too: closing a day of the grid
(`booking.closures.close_day`) and a correcting credit note on any invoice line
(`booking.corrections.issue_correcting_credit_note`, credited already or not). Both must keep
every invariant: a credit note per cancelled meal, never two for one invoice line.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from booking import closures, corrections, selectors, services
from booking.models import Order, Reservation
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import Document, Line
from tests.booking.test_orders import NOW

ZERO = Decimal("0.00")
# Refusals are answers, not failures: the property is about what is accepted.
REFUSALS = (services.OrderRefused, services.PaymentRequired, services.NothingToPay)


def cells(c):
    """A small grid where the rules bite: three regular days, the feast day offered both as a
    regular and an exceptional meal (one of the two only), and Léa on one day."""
    days = [datetime.date(2027, 1, d) for d in (4, 5, 7)]
    feast = datetime.date(2027, 1, 21)
    found = [(c.maxime, c.meal, day) for day in days]
    found += [(c.maxime, c.meal, feast), (c.maxime, c.special, feast), (c.lea, c.meal, days[0])]
    return [(child.pk, kind.pk, day) for child, kind, day in found]


class MoneyMachine(RuleBasedStateMachine):
    canteen = None  # set by the test: the canteen and household built by the fixtures
    guardian = None

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.household = self.guardian.household
        self.grid = cells(self.canteen)
        self.asked = {}  # order pk → what the Treasury was asked for when its payment started
        self.paid = set()

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # Helpers -------------------------------------------------------------------------

    def active_keys(self, statuses=selectors.ACTIVE):
        return set(
            Reservation.objects.filter(
                child__household=self.household, status__in=statuses
            ).values_list("child_id", "meal_kind_id", "day")
        )

    def confirmed_keys(self):
        return sorted(self.active_keys([Reservation.Status.CONFIRMED]))

    def pick(self, index, *statuses):
        """One of the household's orders in one of `statuses`, chosen by `index`."""
        found = list(
            Order.objects.filter(household=self.household, status__in=statuses).order_by("pk")
        )
        return found[index % len(found)] if found else None

    def has(self, *statuses):
        return Order.objects.filter(household=self.household, status__in=statuses).exists()

    def payable(self):
        """Orders whose payment can still arrive: awaiting it, or expired (a late one)."""
        return [
            order
            for order in Order.objects.filter(
                household=self.household,
                status__in=[Order.Status.AWAITING_PAYMENT, Order.Status.EXPIRED],
            ).order_by("pk")
            if order.pk in self.asked and order.pk not in self.paid
        ]

    def balance(self):
        return ledger_selectors.balance(self.household, "cant")

    def invoice_lines(self):
        return list(
            Line.objects.filter(
                document__account__household=self.household, document__kind="FA"
            ).order_by("pk")
        )

    # Rules ---------------------------------------------------------------------------

    @initialize(credit=st.sampled_from(["10.00", "0.00", "4.70", "15.00", "30.00"]))
    def start_with_credit(self, credit):
        if Decimal(credit) > 0:
            ledger_services.record_payment(
                household=self.household,
                service_code="cant",
                amount=Decimal(credit),
                mode="cash",
                recorded_by=self.guardian.user,
                idempotency_key="starting-credit",
            )

    @rule(toggles=st.sets(st.integers(0, 5), min_size=1, max_size=3))
    def draft(self, toggles):
        """The grid as it is, with some boxes ticked or unticked, then "Finaliser"."""
        wanted = self.active_keys() ^ {self.grid[i] for i in toggles}
        try:
            services.draft_order(
                household=self.household,
                service=self.canteen.service,
                wanted_keys={selectors.cell_key(*cell) for cell in wanted},
                created_by=self.guardian.user,
                now=NOW,
            )
        except services.OrderRefused:
            pass

    @precondition(lambda self: self.has(Order.Status.DRAFT))
    @rule(index=st.integers(0, 9))
    def validate(self, index):
        order = self.pick(index, Order.Status.DRAFT)
        try:
            services.validate_order(order=order, household=self.household, now=NOW)
        except REFUSALS:
            pass

    @precondition(lambda self: self.has(Order.Status.DRAFT))
    @rule(index=st.integers(0, 9))
    def hold(self, index):
        """ "Payer": the places and the credit are held, the Treasury asked for the rest."""
        order = self.pick(index, Order.Status.DRAFT)
        try:
            order = services.hold_order(order=order, household=self.household, now=NOW)
        except REFUSALS:
            return
        self.asked[order.pk] = selectors.order_recap(order).amount_to_pay

    @precondition(lambda self: self.payable())
    @rule(index=st.integers(0, 9))
    def pay(self, index):
        """The Treasury says "paid" (in time, or after the hold expired): tipi records the
        payment and confirms the order in one transaction."""
        payable = self.payable()
        order = payable[index % len(payable)]
        with transaction.atomic():
            ledger_services.record_payment(
                household=self.household,
                service_code="cant",
                amount=self.asked[order.pk],
                mode="card",
                recorded_by=self.guardian.user,
                idempotency_key=f"card:{order.pk}",
            )
            services.confirm_held_order(order=order, now=NOW)
        self.paid.add(order.pk)

    @precondition(lambda self: self.has(Order.Status.AWAITING_PAYMENT))
    @rule(index=st.integers(0, 9))
    def refuse(self, index):
        order = self.pick(index, Order.Status.AWAITING_PAYMENT)
        services.release_hold(order=order, status=Order.Status.REFUSED)

    @precondition(lambda self: self.has(Order.Status.AWAITING_PAYMENT))
    @rule(index=st.integers(0, 9))
    def expire(self, index):
        order = self.pick(index, Order.Status.AWAITING_PAYMENT)
        services.release_hold(order=order, status=Order.Status.EXPIRED)

    @precondition(lambda self: self.confirmed_keys())
    @rule(picks=st.sets(st.integers(0, 5), min_size=1, max_size=2))
    def cancel(self, picks):
        """Untick booked days and validate: their price comes back as credit."""
        confirmed = self.confirmed_keys()
        dropped = {confirmed[i % len(confirmed)] for i in picks}
        wanted = self.active_keys() - dropped
        try:
            order = services.draft_order(
                household=self.household,
                service=self.canteen.service,
                wanted_keys={selectors.cell_key(*cell) for cell in wanted},
                created_by=self.guardian.user,
                now=NOW,
            )
            services.validate_order(order=order, household=self.household, now=NOW)
        except REFUSALS:
            pass

    @rule(pick=st.integers(0, 5))
    def close_day(self, pick):
        """The commune closes a day of the grid (booked or not): its meals are cancelled and
        credited once, held ones released (a payment arriving later leaves them as credit)."""
        day = self.grid[pick][2]
        try:
            closures.close_day(
                service=self.canteen.service,
                day=day,
                reason="grève",
                closed_by=self.guardian.user,
                now=NOW,
            )
        except closures.ClosureRefused:
            pass  # closed already

    @precondition(lambda self: self.invoice_lines())
    @rule(index=st.integers(0, 20))
    def correcting_credit_note(self, index):
        """ "Avoir correctif" on one line of an issued invoice, credited already or not: a
        line is credited once, and a future meal it credits is cancelled."""
        lines = self.invoice_lines()
        line = lines[index % len(lines)]
        try:
            corrections.issue_correcting_credit_note(
                household=self.household,
                service_code="cant",
                invoice_id=line.document_id,
                line_ids=[line.pk],
                reason="erreur de saisie",
                issued_by=self.guardian.user,
                idempotency_key=f"correction:{line.pk}:{index}",
                today=NOW.date(),
            )
        except ValidationError:
            pass  # credited already: refused, nothing written

    # Invariants ----------------------------------------------------------------------

    @invariant()
    def balance_is_payments_plus_credit_notes_minus_invoices(self):
        totals = dict(
            Document.objects.filter(account__household=self.household)
            .values_list("kind")
            .annotate(total=Sum("total"))
        )
        expected = totals.get("RG", ZERO) + totals.get("AV", ZERO) - totals.get("FA", ZERO)
        assert self.balance() == expected

    @invariant()
    def every_confirmed_meal_is_invoiced_once_and_no_line_is_credited_twice(self):
        lines = (
            Line.objects.filter(document__account__household=self.household)
            .values("child_id", "label", "day")
            .annotate(
                invoiced=Count("id", filter=Q(document__kind="FA")),
                credited=Count("id", filter=Q(document__kind="AV")),
            )
        )
        ledger_count = {}
        for line in lines:
            assert line["credited"] <= line["invoiced"], line
            ledger_count[(line["child_id"], line["label"], line["day"])] = (
                line["invoiced"] - line["credited"]
            )
        confirmed = Reservation.objects.filter(
            child__household=self.household, status=Reservation.Status.CONFIRMED
        ).values_list("child_id", "meal_kind__name", "day")
        booked = {key: 1 for key in confirmed}
        assert {k: n for k, n in ledger_count.items() if n} == booked

    @invariant()
    def nothing_is_confirmed_beyond_the_credit_and_the_payments(self):
        reserved = (
            Order.objects.filter(
                household=self.household, status=Order.Status.AWAITING_PAYMENT
            ).aggregate(total=Sum("reserved_credit"))["total"]
            or ZERO
        )
        balance = self.balance()
        assert balance >= 0, balance
        assert balance - reserved >= 0, (balance, reserved)

    @invariant()
    def no_invoice_line_is_credited_by_two_credit_note_lines(self):
        credited = list(
            Line.objects.filter(
                document__account__household=self.household, credits__isnull=False
            ).values_list("credits_id", flat=True)
        )
        assert len(credited) == len(set(credited)), credited

    @invariant()
    def one_meal_per_child_per_day(self):
        days = [(child, day) for child, _kind, day in self.active_keys()]
        assert len(days) == len(set(days)), days

    @invariant()
    def an_order_awaiting_payment_still_asks_what_it_asked(self):
        for order in Order.objects.filter(
            household=self.household, status=Order.Status.AWAITING_PAYMENT
        ):
            assert selectors.order_recap(order).amount_to_pay == self.asked[order.pk]


def test_money_stays_true_whatever_the_family_and_the_treasury_do(canteen_2027, blanchard):
    MoneyMachine.canteen, MoneyMachine.guardian = canteen_2027, blanchard
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=12,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
