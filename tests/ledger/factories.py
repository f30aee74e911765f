"""Ledger test data, built through the ledger's own services (documents cannot be faked)."""

import datetime
import itertools
from decimal import Decimal

import factory
from django.utils import timezone

from ledger import services
from ledger.models import ServiceBook

OBSERVATIONS = "Le prix du repas prend en compte le temps d'animation pendant la pause méridienne"
_keys = itertools.count(1)


class ServiceBookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceBook
        django_get_or_create = ("code",)

    code = "cant"
    name = "Restaurant scolaire"
    invoice_title = "Service de Restauration Scolaire"
    observations = OBSERVATIONS


def key(prefix="test"):
    return f"{prefix}-{next(_keys)}"


def at(day: datetime.date, hour=12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def meal(child, day, price="4.70", label="Repas", quantity=1):
    return services.DocumentLine(
        child_id=child.pk,
        child_name=str(child),
        day=day,
        label=label,
        unit_price=Decimal(price),
        quantity=quantity,
    )


def invoice(guardian, lines, *, issued_at=None, idempotency_key=None, service_code="cant"):
    return services.issue_invoice(
        household=guardian.household,
        service_code=service_code,
        lines=lines,
        ordered_by=guardian.user,
        order_reference="CMD-1",
        idempotency_key=idempotency_key or key("fa"),
        issued_at=issued_at,
    )


def credit_note(guardian, lines, *, issued_at=None, cancels=None, reason=""):
    return services.issue_credit_note(
        household=guardian.household,
        service_code="cant",
        lines=lines,
        ordered_by=guardian.user,
        order_reference="CMD-2",
        idempotency_key=key("av"),
        issued_at=issued_at,
        cancels=cancels,
        reason=reason,
    )


def payment(guardian, amount, *, paid_at=None, mode="card", order_reference=""):
    return services.record_payment(
        household=guardian.household,
        service_code="cant",
        amount=Decimal(amount),
        mode=mode,
        recorded_by=guardian.user,
        idempotency_key=key("rg"),
        paid_at=paid_at,
        order_reference=order_reference,
    )


def manual_statement(guardian, first_day: datetime.date):
    """The manual's example: invoices 9,40 € and 4,70 €, payments of the same, one
    cancellation 4,70 €. Returns the documents in date order."""
    maxime = guardian.household.children.get(first_name="Maxime")
    d = first_day
    days = [d + datetime.timedelta(days=n) for n in range(10)]
    fa1 = invoice(guardian, [meal(maxime, days[4]), meal(maxime, days[5])], issued_at=at(d, 9))
    rg1 = payment(guardian, "9.40", paid_at=at(d, 10))
    fa2 = invoice(guardian, [meal(maxime, days[6])], issued_at=at(d, 11))
    rg2 = payment(guardian, "4.70", paid_at=at(days[1], 10))
    av1 = credit_note(guardian, [meal(maxime, days[6])], issued_at=at(days[2], 10), cancels=fa2)
    return [fa1, rg1, fa2, rg2, av1]


def bulk_debts(count: int, *, issued_at, amount="4.70", service_code="cant"):
    """`count` households, each with one unpaid invoice of one meal: made in a few bulk
    queries (the pages' query-count tests need hundreds)."""
    from ledger.models import Account, Document, Line
    from portal.models import Household

    book = ServiceBookFactory(code=service_code)
    households = Household.objects.bulk_create(
        [Household(name=f"IMPAYE{n:04d}", city="CLAIROIX") for n in range(count)]
    )
    accounts = Account.objects.bulk_create(
        [Account(household=household, service=book) for household in households]
    )
    start = 900000 + Document.objects.count()
    year = issued_at.year
    documents = Document.objects.bulk_create(
        [
            Document(
                kind=Document.Kind.INVOICE,
                number=services.format_number("FA", year, start + n),
                year=year,
                sequence=start + n,
                account=account,
                issued_at=issued_at,
                total=Decimal(amount),
                author_name="Test",
                idempotency_key=key("bulk"),
                invoice_title=book.invoice_title,
            )
            for n, account in enumerate(accounts)
        ]
    )
    Line.objects.bulk_create(
        [
            Line(
                document=document,
                position=1,
                child_name="Enfant",
                day=issued_at.date(),
                label="Repas",
                unit_price=Decimal(amount),
                amount=Decimal(amount),
            )
            for document in documents
        ]
    )
    return households
