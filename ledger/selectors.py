"""Ledger reads: balances, statements and document lists, always through a household.

Each read costs a fixed number of queries, whatever the number of documents.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from ledger.invoiced_lines import InvoicedLine, invoiced_lines  # noqa: F401 - the apps' path
from ledger.models import Account, Document, Invoice, Line, ServiceBook
from portal import selectors as portal_selectors
from tenants.compiled import compiled_query

ZERO = Decimal("0.00")
# What list pages never show: the printed header and the observations.
LIST_DEFERRED = ("snapshot", "observations", "reason")
# On one day: the invoice, then what cancels it, then the payment that settles it.
KIND_RANK = Case(
    When(kind=Document.Kind.INVOICE, then=Value(0)),
    When(kind=Document.Kind.CREDIT_NOTE, then=Value(1)),
    default=Value(2),
)


def _signed_sum(prefix: str = ""):
    """credits − debits over the documents reached by `prefix` (e.g. "documents__")."""
    kind, total = f"{prefix}kind", f"{prefix}total"
    return Sum(
        Case(
            When(**{kind: Document.Kind.INVOICE}, then=-1 * F(total)),
            default=F(total),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        ),
        default=Value(ZERO),
    )


def _instant(at) -> datetime.datetime:
    """A date means "at the end of that day"; a datetime is taken as it is."""
    if at is None:
        return timezone.now() + datetime.timedelta(microseconds=1)
    if isinstance(at, datetime.datetime):
        return at + datetime.timedelta(microseconds=1)
    return start_of_day(at + datetime.timedelta(days=1))


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def service_book(service_code: str) -> ServiceBook | None:
    return book_of_code.first(code=service_code)


@compiled_query
def book_of_code(code):
    return ServiceBook.objects.filter(code=code).order_by("pk")[:1]


def account_of(household, service_code: str) -> Account | None:
    return _account_of.first(household_id=household.pk, code=service_code)


@compiled_query
def _account_of(household_id, code):
    return (
        Account.objects.select_related("service")
        .filter(household_id=household_id, service__code=code)
        .order_by("pk")[:1]
    )


def payer_of(*, household, service_code: str):
    """The guardian a service's invoices are addressed to (the "payeur" the commune marked),
    else the household's first guardian; None for a household without guardian. The
    invoice, its PDF and the PayFiP ticket's e-mail use it (also for batch invoicing)."""
    account = account_with_payer.first(household_id=household.pk, code=service_code)
    if account is not None and account.payer.household_id == household.pk:
        return account.payer
    return portal_selectors.first_guardian(household)


def payer_from(household, accounts: list, guardians: list):
    """payer_of from the rows of account_with_payer and portal's household_guardians, read
    by the caller (ledger/issuing.py reads them with the rest, in one round trip)."""
    if accounts and accounts[0].payer.household_id == household.pk:
        return accounts[0].payer
    return guardians[0] if guardians else None


@compiled_query
def account_with_payer(household_id, code):
    return (
        Account.objects.select_related("payer__user")
        .filter(household_id=household_id, service__code=code, payer__isnull=False)
        .order_by("pk")[:1]
    )


def payers_of(household) -> dict[str, object]:
    """service code → the payer the commune marked for the household (one query)."""
    return {
        code: payer
        for code, payer in (
            (account.service.code, account.payer)
            for account in Account.objects.select_related("service", "payer__user").filter(
                household=household, payer__isnull=False
            )
        )
    }


def account_by_id(account_id) -> Account | None:
    """Back office: an account by its id (staff see every account of their commune)."""
    return Account.objects.select_related("household", "service").filter(pk=account_id).first()


def document_by_id(document_id) -> Document | None:
    return Document.objects.filter(pk=document_id).first()


def invoice_of(household, service_code: str, invoice_id) -> Document | None:
    """One of the household's invoices for the service, or None."""
    return (
        Invoice.objects.select_related("account")
        .filter(pk=invoice_id, account__household=household, account__service__code=service_code)
        .first()
    )


def _balance_before(account: Account | None, before: datetime.datetime) -> Decimal:
    if account is None:
        return ZERO
    result = Document.objects.filter(account=account, issued_at__lt=before).aggregate(
        balance=_signed_sum()
    )["balance"]
    return result if result is not None else ZERO


def balance(household, service_code: str, at=None) -> Decimal:
    """credits − debits of the household's account for the service, up to `at` included
    (a date: its whole day; None: now). Positive = in the family's favour. One statement."""
    query, values = balance_read(household, service_code, at)
    return balance_of_rows(query.fetch(**values))


def balance_read(household, service_code: str, at=None) -> tuple:
    """balance's statement and values, for a caller reading it with others in one round
    trip (tenants.compiled.fetch_together); balance_of_rows reads its rows."""
    return _balance, {"household_id": household.pk, "code": service_code, "before": _instant(at)}


def balance_of_rows(rows) -> Decimal:
    return rows[0]["balance"] if rows else ZERO


@compiled_query
def _balance(household_id, code, before):
    return (
        Document.objects.filter(
            account__household_id=household_id, account__service__code=code, issued_at__lt=before
        )
        .order_by()
        .values("account_id")
        .annotate(balance=_signed_sum())
    )


@dataclass
class Statement:
    start: datetime.date
    end: datetime.date
    opening: Decimal
    closing: Decimal
    documents: list = field(default_factory=list)


def statement(household, service_code: str, start: datetime.date, end: datetime.date):
    """A whole period's statement: the balance before `start`, every document from `start`
    to `end` (both days included) in date order, and the balance at the end of `end` (the
    back office's household section, 92 days; the parents' pages read one page at a time:
    ledger/statement_pages.py)."""
    account = account_of(household, service_code)
    opening = _balance_before(account, start_of_day(start))
    documents = []
    if account is not None:
        documents = list(
            Document.objects.filter(
                account=account,
                issued_at__gte=start_of_day(start),
                issued_at__lt=_instant(end),
            )
            .defer(*LIST_DEFERRED)
            .annotate(
                day=TruncDate("issued_at", tzinfo=timezone.get_current_timezone()),
                kind_rank=KIND_RANK,
            )
            .order_by("day", "kind_rank", "number")
        )
    closing = opening
    for document in documents:
        closing += document.total if document.is_credit else -document.total
    return Statement(start=start, end=end, opening=opening, closing=closing, documents=documents)


def household_document(household, service_code: str, number: str) -> Document | None:
    """A document of the household's account, by its number; None for anyone else's."""
    return (
        Document.objects.select_related("account__service")
        .prefetch_related("lines")
        .filter(account__household=household, account__service__code=service_code, number=number)
        .first()
    )


def settling_payment(document: Document) -> Document | None:
    """The payment recorded for the same order as this invoice (a card payment through the
    Treasury names its order), if any: the invoice is then "acquittée"."""
    if document.kind != Document.Kind.INVOICE or not document.order_reference:
        return None
    return (
        Document.objects.filter(
            account_id=document.account_id,
            kind=Document.Kind.PAYMENT,
            order_reference=document.order_reference,
        )
        .order_by("issued_at", "id")
        .first()
    )


def monthly_invoice_of(household, service_code: str, number: str) -> Document | None:
    """One of the household's monthly invoices (a post-paid service's batch), by its
    number; None for anyone else's and for any other document."""
    return (
        Invoice.objects.select_related("account__service")
        .filter(
            account__household=household,
            account__service__code=service_code,
            number=number,
            batch_entry__isnull=False,
        )
        .first()
    )


def invoices_due(household, service_code: str) -> dict[int, Decimal]:
    """What remains to pay on each unpaid monthly invoice of the household's account, by
    invoice id: its total less the lines credited and the payments that name it (its
    reference), never more than the account's debit (credit on the account, or a payment
    made at the town hall, covers it first). Four queries whatever the number of invoices."""
    account = account_of(household, service_code)
    if account is None:
        return {}
    debit = -_balance_before(account, _instant(None))
    if debit <= 0:
        return {}
    invoices = list(
        Invoice.objects.filter(account=account, batch_entry__isnull=False).values_list(
            "pk", "total", "order_reference"
        )
    )
    credited = dict(
        Line.objects.filter(credits__document_id__in=[pk for pk, _t, _r in invoices])
        .values("credits__document_id")
        .annotate(amount=Sum("amount"))
        .values_list("credits__document_id", "amount")
    )
    paid = dict(
        Document.objects.filter(
            account=account,
            kind=Document.Kind.PAYMENT,
            order_reference__in=[reference for _pk, _t, reference in invoices if reference],
        )
        .values("order_reference")
        .annotate(amount=Sum("total"))
        .values_list("order_reference", "amount")
    )
    due = {}
    for pk, total, reference in invoices:
        left = min(total - credited.get(pk, ZERO) - paid.get(reference, ZERO), debit)
        if left > 0:
            due[pk] = left
    return due


def latest_documents(household, service_code: str, limit: int = 3) -> list[Document]:
    """The household's newest invoices, credit notes and payments of a service."""
    return list(
        Document.objects.filter(account__household=household, account__service__code=service_code)
        .defer(*LIST_DEFERRED)
        .order_by("-issued_at", "-id")[:limit]
    )


@dataclass
class ServiceTotals:
    service: ServiceBook
    invoiced: Decimal
    credited: Decimal
    paid: Decimal


def totals_between(start: datetime.date, end: datetime.date) -> list[ServiceTotals]:
    """Back office: per service, what was invoiced, credited and paid between two days."""
    in_period = Q(
        accounts__documents__issued_at__gte=start_of_day(start),
        accounts__documents__issued_at__lt=_instant(end),
    )

    def kind_sum(kind):
        return Sum(
            "accounts__documents__total",
            filter=in_period & Q(accounts__documents__kind=kind),
            default=ZERO,
        )

    books = ServiceBook.objects.annotate(
        invoiced=kind_sum(Document.Kind.INVOICE),
        credited=kind_sum(Document.Kind.CREDIT_NOTE),
        paid=kind_sum(Document.Kind.PAYMENT),
    ).order_by("name")
    return [
        ServiceTotals(service=b, invoiced=b.invoiced, credited=b.credited, paid=b.paid)
        for b in books
    ]


def accounts_with_balance():
    """Accounts annotated with `balance_amount` (credits − debits, now)."""
    return Account.objects.select_related("household", "service").annotate(
        balance_amount=_signed_sum("documents__")
    )


def accounts_in_debit():
    return accounts_with_balance().filter(balance_amount__lt=0).order_by("balance_amount")


def batch_invoices_without_pdf(batch_id: int) -> list[Document]:
    """A batch's invoices whose PDF the worker has not stored yet."""
    return list(
        Document.objects.filter(batch_entry__batch_id=batch_id, pdf__isnull=True)
        .select_related("account__service")
        .order_by("sequence")
    )
