"""Ledger writes, one transactional function per use case.

Every write joins the caller's transaction, so the booking or payment that causes a document
and the document itself commit or roll back together. Each is idempotent on a key the caller
gives: a second call returns the first document. Issuing is two steps (ledger/issuing.py):
the reads and checks, then the number and the inserts under the counter's lock;
`prepare_invoice` and `issue_prepared` let a caller with busy locks take them apart.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger import issuing
from ledger.issuing import (  # noqa: F401 - the names ledger.batch and ledger.reminders use
    IdempotencyConflict,
    PreparedDocument,
    _author_name,
    _snapshot,
    ledger_settings,
)
from ledger.models import (
    CreditNote,
    Document,
    DocumentPdf,
    Invoice,
    Payment,
    ServiceBook,
)
from ledger.numbering import allocate_number, format_number  # noqa: F401 - the contract
from ledger.pdf import render_document

logger = logging.getLogger(__name__)

PaymentMode = Document.PaymentMode


@dataclass(frozen=True)
class DocumentLine:
    """A line the caller wants on an invoice or credit note."""

    child_id: int
    child_name: str  # "BLANCHARD Maxime"
    day: datetime.date  # the meal's date
    label: str  # the meal kind: "Repas", "Repas exceptionnel"
    unit_price: Decimal
    quantity: int = 1
    # On a credit note: the pk of the invoice line this line credits (same child, price and
    # quantity). A line is credited at most once, whatever the credit note.
    credits_line_id: int | None = None


def register_service_book(
    *, code: str, name: str, invoice_title: str, observations: str = ""
) -> ServiceBook:
    """Create or update the service's book; safe to call at every start or demo load."""
    with transaction.atomic():
        book, _created = ServiceBook.objects.update_or_create(
            code=code,
            defaults={"name": name, "invoice_title": invoice_title, "observations": observations},
        )
    return book


def prepare_invoice(
    *,
    household,
    service_code: str,
    lines: list[DocumentLine],
    ordered_by,
    order_reference: str,
    idempotency_key: str,
    without_reservation: bool = False,
    issued_at: datetime.datetime | None = None,
) -> PreparedDocument:
    """issue_invoice's reads and checks, for a caller that issues it later under its locks
    (`issue_prepared`)."""
    return issuing.prepare(
        kind=Document.Kind.INVOICE,
        household=household,
        service_code=service_code,
        lines=lines,
        author=ordered_by,
        order_reference=order_reference,
        idempotency_key=idempotency_key,
        issued_at=issued_at,
        without_reservation=without_reservation,
    )


def issue_invoice(
    *,
    household,
    service_code: str,
    lines: list[DocumentLine],
    ordered_by,
    order_reference: str,
    idempotency_key: str,
    without_reservation: bool = False,
    issued_at: datetime.datetime | None = None,
) -> Invoice:
    """A debit for ordered meals (or, from the back office, meals eaten without reservation).

    `issued_at` is for back-dated entry only (demo data, imports); the number's year follows it.
    """
    return issuing.issue(
        prepare_invoice(
            household=household,
            service_code=service_code,
            lines=lines,
            ordered_by=ordered_by,
            order_reference=order_reference,
            idempotency_key=idempotency_key,
            without_reservation=without_reservation,
            issued_at=issued_at,
        )
    )


def issue_prepared(prepared: PreparedDocument) -> Document:
    """Issue a document prepared by prepare_invoice: its number under the counter's lock,
    then its rows (ledger/issuing.py)."""
    return issuing.issue(prepared)


def _issue(**document) -> Document:
    return issuing.issue(issuing.prepare(**document))


def issue_credit_note(
    *,
    household,
    service_code: str,
    lines: list[DocumentLine],
    ordered_by,
    order_reference: str,
    idempotency_key: str,
    reason: str = "",
    cancels=None,
    issued_at: datetime.datetime | None = None,
) -> CreditNote:
    """A credit for cancelled meals; `cancels` is the invoice it corrects, when there is one."""
    return _issue(
        kind=Document.Kind.CREDIT_NOTE,
        household=household,
        service_code=service_code,
        lines=lines,
        author=ordered_by,
        order_reference=order_reference,
        idempotency_key=idempotency_key,
        issued_at=issued_at,
        reason=reason,
        cancels=cancels,
    )


def record_payment(
    *,
    household,
    service_code: str,
    amount: Decimal,
    mode: str,
    recorded_by,
    idempotency_key: str,
    treasury_reference: str = "",
    paid_at=None,
    paid_on: datetime.date | None = None,
    order_reference: str = "",
) -> Payment:
    """A credit for money received: by card through PayFiP, or at the town hall.
    `order_reference` names the order a card payment settles (its invoice then says
    "Acquittée"). The date is `paid_at` (an instant), or `paid_on` (a day typed at the
    town hall: now if today, else noon that day), or now."""
    if mode not in PaymentMode.values:
        raise ValidationError(_("Mode de règlement inconnu : %(mode)s") % {"mode": mode})
    if paid_on is not None:
        if paid_at is not None:
            raise ValueError("record_payment takes paid_at or paid_on, not both.")
        paid_at = payment_instant(paid_on)
    return _issue(
        kind=Document.Kind.PAYMENT,
        household=household,
        service_code=service_code,
        lines=[],
        author=recorded_by,
        order_reference=order_reference,
        idempotency_key=idempotency_key,
        issued_at=paid_at,
        amount=amount,
        payment_mode=mode,
        treasury_reference=treasury_reference,
    )


def payment_instant(paid_on: datetime.date) -> datetime.datetime:
    """When a payment typed for `paid_on` was made: now if today, else noon that day."""
    if paid_on == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(paid_on, datetime.time(12)))


def store_pdf(document: Document) -> DocumentPdf:
    """Render and store the document's PDF unless it is stored already; returns the row.

    The first render runs under a transaction-scoped advisory lock keyed on the commune's
    schema and the document, so two downloads at the same moment render once: the second
    waits, re-reads and serves the stored bytes. A stored PDF is served without any lock.
    """
    stored = DocumentPdf.objects.filter(document=document).first()
    if stored is not None:
        return stored
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('ledger.pdf:' || current_schema()), %s)",
                [document.pk % 2**31],
            )
        stored = DocumentPdf.objects.filter(document=document).first()
        if stored is None:
            stored = DocumentPdf.objects.create(
                document=document, content=render_document(document)
            )
    return stored
