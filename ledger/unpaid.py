"""Households in debit ("Impayés"): what they owe and since when.

An account's credits (credit notes, payments) settle its oldest invoices first, so the oldest
unpaid invoice is the first one, in date order, that the credits do not cover in full. Every
read here costs a fixed number of queries whatever the number of households.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from ledger.models import Document, Reminder
from ledger.money import format_euros
from ledger.selectors import ZERO, accounts_in_debit


@dataclass(frozen=True)
class UnpaidAccount:
    service_code: str
    service_name: str
    amount: Decimal  # owed, positive

    @property
    def amount_display(self) -> str:
        return format_euros(self.amount)


@dataclass
class UnpaidHousehold:
    household: object
    amount: Decimal = ZERO  # owed over every service, positive
    oldest_unpaid: datetime.date | None = None
    accounts: list = field(default_factory=list)
    last_reminder: datetime.datetime | None = None
    last_reminder_id: int | None = None

    @property
    def amount_display(self) -> str:
        return format_euros(self.amount)

    def age_days(self, today: datetime.date | None = None) -> int | None:
        if self.oldest_unpaid is None:
            return None
        return ((today or timezone.localdate()) - self.oldest_unpaid).days


def _oldest_unpaid(invoices: list[tuple], credits: Decimal) -> datetime.date | None:
    """`invoices`: (issued_at, total) in date order; credits pay the oldest first."""
    left = credits
    for issued_at, total in invoices:
        if left < total:
            return timezone.localdate(issued_at)
        left -= total
    return None


def households_in_debit(*, household_ids=None) -> list[UnpaidHousehold]:
    """Every household whose accounts, together, are in debit; largest debt first.

    Three queries: the accounts in debit, their invoices, the households' last reminders."""
    accounts = accounts_in_debit()
    if household_ids is not None:
        accounts = accounts.filter(household_id__in=list(household_ids))
    accounts = list(accounts)
    invoices = defaultdict(list)
    invoiced = defaultdict(lambda: ZERO)
    rows = (
        Document.objects.filter(account__in=[a.pk for a in accounts], kind=Document.Kind.INVOICE)
        .order_by("issued_at", "id")
        .values_list("account_id", "issued_at", "total")
    )
    for account_id, issued_at, total in rows:
        invoices[account_id].append((issued_at, total))
        invoiced[account_id] += total
    by_household: dict[int, UnpaidHousehold] = {}
    for account in accounts:
        owed = -account.balance_amount
        entry = by_household.setdefault(
            account.household_id, UnpaidHousehold(household=account.household)
        )
        entry.amount += owed
        entry.accounts.append(UnpaidAccount(account.service.code, account.service.name, owed))
        credits = invoiced[account.pk] - owed
        oldest = _oldest_unpaid(invoices[account.pk], credits)
        if oldest and (entry.oldest_unpaid is None or oldest < entry.oldest_unpaid):
            entry.oldest_unpaid = oldest
    if by_household:
        for household_id, sent_at, reminder_id in (
            Reminder.objects.filter(household_id__in=list(by_household))
            .order_by("household_id", "-sent_at", "-id")
            .distinct("household_id")
            .values_list("household_id", "sent_at", "id")
        ):
            entry = by_household[household_id]
            entry.last_reminder, entry.last_reminder_id = sent_at, reminder_id
    return sorted(
        by_household.values(), key=lambda e: (-e.amount, e.household.name, e.household.pk)
    )


def reminders_of(*, household_id: int, limit: int = 20) -> list[Reminder]:
    """The household's reminders, latest first (its page shows them)."""
    return list(
        Reminder.objects.filter(household_id=household_id).order_by("-sent_at", "-id")[:limit]
    )


def reminders_sent_on(*, day: datetime.date) -> list[Reminder]:
    """The reminders sent on `day` (Paris time), by family name: the day's letters."""
    return list(
        Reminder.objects.filter(sent_at__date=day)
        .select_related("household")
        .order_by("household__name", "id")
    )


def reminder_of(*, reminder_id: int) -> Reminder | None:
    return Reminder.objects.select_related("household").filter(pk=reminder_id).first()
