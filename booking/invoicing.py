"""Monthly invoicing of post-paid services ("facturé au mois"): the batch's preview and its
issue. Booking computes each household's lines from the reservations, or from attendance
when the service bills what was eaten; ledger (ledger/batch.py) numbers and writes them.

Both bases: a justified absence is not billed, and a child present without reservation is
billed at the service's "repas non réservé" price. The attendance basis also leaves out a
booked meal the register marks absent; a meal whose register was not taken is billed as
booked. A fixed number of queries whatever the number of households.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from booking import calendar, journal
from booking.models import BillingBasis, MealKind, Service
from booking.selectors.attendance import billing_facts
from ledger import batch as ledger_batch
from ledger import services as ledger
from portal import selectors as portal_selectors
from portal import services as portal_services


@dataclass
class HouseholdBill:
    household_id: int
    name: str
    lines: list = field(default_factory=list)  # ledger.DocumentLine

    @property
    def meals(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0.00"))


@dataclass
class BatchPreview:
    service: Service
    month: datetime.date
    bills: list  # HouseholdBill, by household name: what the batch would issue
    already_invoiced: int  # households whose invoice of the month is issued

    @property
    def meals(self) -> int:
        return sum(bill.meals for bill in self.bills)

    @property
    def total(self) -> Decimal:
        return sum((bill.total for bill in self.bills), Decimal("0.00"))


def _billed(service, fact) -> Decimal | None:
    """The unit price a fact bills, or None when it bills nothing."""
    if not fact.booked:
        return service.unbooked_meal_price if fact.present else None
    if fact.justified:
        return None
    if service.billing_basis == BillingBasis.ATTENDANCE and fact.present is False:
        return None
    return fact.unit_price


def _bills(service, month, skip) -> list[HouseholdBill]:
    start = month.replace(day=1)
    end = calendar.month_days(start)[-1]
    facts = [f for f in billing_facts(service=service, start=start, end=end)]
    by_household = defaultdict(list)
    for fact in facts:
        if fact.household_id in skip:
            continue
        price = _billed(service, fact)
        if price is not None and price > 0:
            by_household[fact.household_id].append((fact, price))
    if not by_household:
        return []
    children = portal_selectors.children_by_ids(
        {fact.child_id for rows in by_household.values() for fact, _p in rows}
    )
    kinds = dict(MealKind.objects.filter(service=service).values_list("pk", "name"))
    names = portal_selectors.household_names(by_household)
    bills = []
    for household_id, rows in by_household.items():
        bill = HouseholdBill(household_id=household_id, name=names.get(household_id, ""))
        for fact, price in rows:
            bill.lines.append(
                ledger.DocumentLine(
                    child_id=fact.child_id,
                    child_name=str(children[fact.child_id]),
                    day=fact.day,
                    label=kinds[fact.meal_kind_id]
                    if fact.booked
                    else _("%(kind)s sans réservation") % {"kind": kinds[fact.meal_kind_id]},
                    unit_price=price,
                )
            )
        bills.append(bill)
    bills.sort(key=lambda bill: (bill.name, bill.household_id))
    return bills


def _check_service(service) -> None:
    if not service.is_postpaid:
        raise ValidationError(_("Ce service est prépayé : il n'a pas de facturation mensuelle."))


def invoice_batch_preview(*, service: Service, month: datetime.date) -> BatchPreview:
    """What issuing the month's batch would issue now (the households not invoiced yet)."""
    _check_service(service)
    month = month.replace(day=1)
    done = ledger_batch.invoiced_households(service_code=service.code, month=month)
    return BatchPreview(
        service=service,
        month=month,
        bills=_bills(service, month, done),
        already_invoiced=len(done),
    )


def invoice_batch_issue(*, service: Service, month: datetime.date, actor):
    """Issue the month's invoices of every household not invoiced yet, in one transaction:
    the first batch of the month, then complementary ones. Returns the ledger batch, or None
    when there was nothing left to invoice. Lock order: households, then the FA counter."""
    _check_service(service)
    month = month.replace(day=1)
    with transaction.atomic():
        done = ledger_batch.invoiced_households(service_code=service.code, month=month)
        household_ids = {bill.household_id for bill in _bills(service, month, done)}
        households = {h.pk: h for h in portal_services.lock_households(household_ids=household_ids)}
        # Under the locks: no order of these households changes the month meanwhile.
        done = ledger_batch.invoiced_households(service_code=service.code, month=month)
        bills = [b for b in _bills(service, month, done) if b.household_id in households]
        batch = ledger_batch.issue_invoice_batch(
            service_code=service.code,
            month=month,
            drafts=[
                ledger_batch.BatchDraft(household=households[bill.household_id], lines=bill.lines)
                for bill in bills
            ],
            author=actor,
        )
        if batch is not None:
            journal.record_invoice_batch(actor=actor, service=service, batch=batch)
    return batch
