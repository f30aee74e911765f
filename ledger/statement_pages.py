"""Ledger reads for the parents' "Consultation compte" and "Consultation factures": one page
of a period's documents, with each page's opening and closing balance computed in SQL (a
window over the period's rows), the rows' dates and amounts formatted here, once.

Each page costs the same round trips whatever the number of documents (two: the account's
id, read with the service's book by `book_and_account`, then the period's totals with the
page's rows) and carries PAGE_SIZE rows at most, so ten
years of documents cost what one month does (tests/benchmarks/bench_statements.py).
"""

import datetime
import functools
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext

from ledger.models import ROW_TYPES, Account, Document, ServiceBook, tagged_document_label
from ledger.money import format_euros
from ledger.selectors import KIND_RANK, ZERO, _instant, book_of_code, start_of_day
from tenants.compiled import CompiledQuery, compiled_query, fetch_together

PAGE_SIZE = 50
# What a row needs, nothing else (the printed header and the observations stay in the table),
# read as values: building 50 model instances cost more than the rest of a row.
ROW_FIELDS = ("pk", "kind", "number", "total", "author_name", "without_reservation")
SIGNED = Case(
    When(kind=Document.Kind.INVOICE, then=-1 * F("total")),
    default=F("total"),
    output_field=DecimalField(max_digits=12, decimal_places=2),
)


@dataclass
class Row:
    """One document as the page shows it: texts ready to print (18/12/2017, 4,70 €)."""

    pk: int
    number: str
    row_type: str  # invoice, cancellation or payment (CSS class)
    tag: str  # "Réservation", "Annulation", "Règlement"
    label: str  # "facture n° FA…", "avoir n° AV…", "n° RG…"
    day: datetime.date
    date: str
    author_name: str
    is_credit: bool
    amount: str  # the total, always positive
    signed_amount: str  # "+4,70 €" on a credit, "−4,70 €" on a debit (on a phone)
    side: str  # "crédit" or "débit" (after the amount, on a phone)
    side_class: str  # credit or debit (CSS class)
    credit: str  # the total on a credit, else ""
    debit: str  # the total on a debit, else ""
    print_label: str  # "Imprimer FA… (PDF)", the PDF link's accessible name
    monthly: bool = False  # a post-paid service's monthly invoice (it may be paid online)
    url: str = ""  # the view fills the links (one reverse per page)
    pdf_url: str = ""
    amount_due: Decimal | None = None  # "Consultation factures": left to pay on the invoice

    def __getitem__(self, name):
        """Templates look `row.x` up as a key first: answering it skips the exception that
        precedes each attribute look-up (a third of a row's rendering)."""
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None


@dataclass
class Paging:
    number: int  # the page shown, 1-based
    count: int  # pages in the period (1 when the period is empty)
    rows: int  # documents in the period

    @property
    def offset(self) -> int:
        return (self.number - 1) * PAGE_SIZE

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    @property
    def previous(self) -> int:
        return self.number - 1

    @property
    def next(self) -> int:
        return self.number + 1


def paging(rows: int, asked: int) -> Paging:
    """The page `asked` of `rows` documents, kept between the first and the last page."""
    count = max(1, -(-rows // PAGE_SIZE))
    return Paging(number=min(max(asked, 1), count), count=count, rows=rows)


@dataclass
class StatementPage:
    start: datetime.date
    end: datetime.date
    paging: Paging
    opening: Decimal  # the balance before the page's first row
    closing: Decimal  # the balance after its last row
    opening_day: datetime.date  # the period's start on the first page, else the first row's day
    closing_day: datetime.date  # the period's end on the last page, else the last row's day
    rows: list[Row] = field(default_factory=list)


def _tags() -> dict[str, str]:
    return {
        "invoice": gettext("Réservation"),
        "cancellation": gettext("Annulation"),
        "payment": gettext("Règlement"),
        "credit": gettext("crédit"),
        "debit": gettext("débit"),
        "print": gettext("Imprimer %(number)s (PDF)"),
    }


def _row(document: dict, tags: dict[str, str]) -> Row:
    """A row of the document's values (ROW_FIELDS and its local day)."""
    kind, number, day = document["kind"], document["number"], document["day"]
    amount = format_euros(document["total"])
    credit = kind != Document.Kind.INVOICE
    row_type = ROW_TYPES[kind]
    return Row(
        pk=document["pk"],
        number=number,
        row_type=row_type,
        tag=tags[row_type],
        label=tagged_document_label(kind, number, document["without_reservation"]),
        day=day,
        date=f"{day:%d/%m/%Y}",
        author_name=document["author_name"],
        is_credit=credit,
        amount=amount,
        signed_amount=f"+{amount}" if credit else f"−{amount}",
        side=tags["credit"] if credit else tags["debit"],
        side_class="credit" if credit else "debit",
        credit=amount if credit else "",
        debit="" if credit else amount,
        print_label=tags["print"] % {"number": number},
        monthly=document.get("batch_entry_id") is not None,
    )


# Each page in two round trips, its statements compiled once per process (tenants.compiled):
# the account's id, then the period's totals with the page's rows. Those rows are read at the
# page asked, before the totals say how many pages there are; a page past the end is read
# again at the last page (LIMIT and OFFSET are in the SQL: one statement per page offset).
ROWS_AT_ONCE_UP_TO = 200  # pages; a page number beyond is read once the totals are known


@compiled_query
def _account_id(household_id, code):
    """The household's account for the service, by id: a constant lets PostgreSQL read the
    account's documents in the order of their indexes."""
    return (
        Account.objects.filter(household_id=household_id, service__code=code)
        .order_by("pk")
        .values_list("pk", flat=True)[:1]
    )


def book_and_account(household, service_code: str) -> tuple[ServiceBook | None, int | None]:
    """The service's book and the household's account in it, by id: one round trip."""
    books, accounts = fetch_together(
        (book_of_code, {"code": service_code}),
        (_account_id, {"household_id": household.pk, "code": service_code}),
    )
    return (books[0] if books else None), (accounts[0] if accounts else None)


UNREAD = object()  # a page reader's account_id when the caller has not read it


def _account_of(household, service_code, account_id):
    if account_id is UNREAD:
        return _account_id.first(household_id=household.pk, code=service_code)
    return account_id


@compiled_query
def _period_totals(account_id, since, until):
    """The balance before the period and the period's count: one row (none: no documents).
    The balance is the credits' sum less the invoices' (a sum each): a signed amount per
    document (SIGNED, a CASE and a product) cost a third more over ten years of them."""
    before = Q(issued_at__lt=since)
    invoice = Q(kind=Document.Kind.INVOICE)
    return (
        Document.objects.filter(account_id=account_id, issued_at__lt=until)
        .order_by()
        .values("account_id")
        .annotate(
            before=Sum("total", filter=before & ~invoice, default=Value(ZERO))
            - Sum("total", filter=before & invoice, default=Value(ZERO)),
            rows=Count("pk", filter=Q(issued_at__gte=since)),
        )
    )


STATEMENT_ORDER = (F("day").asc(), F("kind_rank").asc(), F("number").asc())


def _paged(build):
    """offset → the CompiledQuery of `build`'s queryset sliced to the page at that offset
    (Django writes LIMIT and OFFSET into the SQL: one statement per offset)."""

    @functools.lru_cache(maxsize=256)
    def at(offset: int) -> CompiledQuery:
        return CompiledQuery(lambda **values: build(**values)[offset : offset + PAGE_SIZE])

    return at


@_paged
def _statement_rows(account_id, start, end):
    """The statement's rows, each with its running balance (a window over the period by
    local day, the same rows as by instant): with the order, the terms of the index
    ledger_doc_account_day (migration 0009), read in order up to the page."""
    return (
        Document.objects.filter(account_id=account_id)
        .annotate(
            day=TruncDate("issued_at", tzinfo=timezone.get_current_timezone()),
            kind_rank=KIND_RANK,
            signed=SIGNED,
            running=Window(
                Sum(SIGNED), order_by=STATEMENT_ORDER, frame=RowRange(start=None, end=0)
            ),
        )
        .filter(day__gte=start, day__lte=end)
        .order_by(*STATEMENT_ORDER)
        .values(*ROW_FIELDS, "day", "signed", "running")
    )


@compiled_query
def _period_count(account_id, since, until):
    return (
        Document.objects.filter(account_id=account_id, issued_at__gte=since, issued_at__lt=until)
        .order_by()
        .values("account_id")
        .annotate(rows=Count("pk"))
    )


@_paged
def _documents_rows(account_id, since, until):
    """The factures' rows, newest first (the index on account, issued_at, id)."""
    tz = timezone.get_current_timezone()
    return (
        Document.objects.filter(account_id=account_id, issued_at__gte=since, issued_at__lt=until)
        .annotate(day=TruncDate("issued_at", tzinfo=tz), batch_entry_id=F("batch_entry__id"))
        .order_by("-issued_at", "-id")
        .values(*ROW_FIELDS, "day", "batch_entry_id")
    )


def _page_read(account_id, totals_query, rows_query, page: int, totals_values, rows_values):
    """(the totals' row or None, the page's Paging, its documents): the totals and the page
    asked in one round trip, the page again if the one asked is past the end."""
    asked = max(page, 1)
    reads = [(totals_query, {"account_id": account_id, **totals_values})]
    if asked <= ROWS_AT_ONCE_UP_TO:
        reads.append(
            (rows_query((asked - 1) * PAGE_SIZE), {"account_id": account_id, **rows_values})
        )
    totals, *found = fetch_together(*reads)
    totals = totals[0] if totals else None
    pages = paging(totals["rows"] if totals else 0, asked)
    if not pages.rows:
        return totals, pages, []
    if not found or pages.number != asked:
        found = [rows_query(pages.offset).fetch(account_id=account_id, **rows_values)]
    return totals, pages, found[0]


def statement_page(
    household,
    service_code: str,
    start: datetime.date,
    end: datetime.date,
    page: int = 1,
    *,
    account_id=UNREAD,
) -> StatementPage:
    """ "Consultation compte", page `page` (kept within the period's pages): the period's
    documents from `start` to `end` (both days included) in date order (a day's invoices,
    then credit notes, then payments, then by number), PAGE_SIZE a page. The opening balance
    of the first page is the balance before `start`, the closing balance of the last page
    the balance at the end of `end`; each page opens on the previous page's closing. Two
    round trips: the account's id; the balance before the period and the period's count
    (one aggregate) with the page's rows and their running balance (a window over the
    period, read in order from the index ledger_doc_account_day up to the page). The first
    is spared when the caller gives `account_id` (book_and_account's)."""
    account_id = _account_of(household, service_code, account_id)
    if account_id is None:
        return StatementPage(start, end, paging(0, page), ZERO, ZERO, start, end)
    totals, pages, found = _page_read(
        account_id,
        _period_totals,
        _statement_rows,
        page,
        {"since": start_of_day(start), "until": _instant(end)},
        {"start": start, "end": end},
    )
    before = totals["before"] if totals else ZERO
    if not found:
        return StatementPage(start, end, pages, before, before, start, end)
    tags = _tags()
    first, last = found[0], found[-1]
    return StatementPage(
        start=start,
        end=end,
        paging=pages,
        opening=before + first["running"] - first["signed"],
        closing=before + last["running"],
        opening_day=start if pages.number == 1 else first["day"],
        closing_day=end if pages.number == pages.count else last["day"],
        rows=[_row(document, tags) for document in found],
    )


@dataclass
class DocumentsPage:
    start: datetime.date
    end: datetime.date
    paging: Paging
    rows: list[Row] = field(default_factory=list)


def documents_page(
    household,
    service_code: str,
    start: datetime.date,
    end: datetime.date,
    page: int = 1,
    *,
    account_id=UNREAD,
) -> DocumentsPage:
    """ "Consultation factures", page `page` (kept within the period's pages): invoices,
    credit notes and payments from `start` to `end`, newest first, PAGE_SIZE a page. Two
    round trips: the account's id (spared when given, as for statement_page), then the
    period's count with the page's rows."""
    account_id = _account_of(household, service_code, account_id)
    if account_id is None:
        return DocumentsPage(start, end, paging(0, page))
    period = {"since": start_of_day(start), "until": _instant(end)}
    _totals, pages, found = _page_read(
        account_id, _period_count, _documents_rows, page, period, period
    )
    tags = _tags()
    return DocumentsPage(start, end, pages, [_row(document, tags) for document in found])
