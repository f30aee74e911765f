"""Ledger writes, one transactional function per use case.

Every write joins the caller's transaction (a savepoint when there is one), so the booking or
payment that causes a document and the document itself commit or roll back together. Each is
idempotent on a key the caller gives: a second call returns the first document.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger import selectors
from ledger.models import (
    PROXY_BY_KIND,
    Account,
    CreditNote,
    Document,
    DocumentPdf,
    Invoice,
    LedgerSettings,
    Line,
    Payment,
    ServiceBook,
)
from ledger.money import euros
from ledger.numbering import allocate_number, format_number  # noqa: F401 - the contract
from ledger.payers import payer_name
from ledger.pdf import render_document
from ledger.tasks import render_document_pdf
from notifications.publish import publish_on_commit
from portal import selectors as portal_selectors
from tenants.links import current_commune

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


class IdempotencyConflict(ValueError):
    """The key was already used for a different document (another household or kind)."""


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


def ledger_settings() -> LedgerSettings:
    settings_row = LedgerSettings.objects.order_by("pk").first()
    if settings_row is None:
        settings_row, _created = LedgerSettings.objects.get_or_create(pk=1)
    return settings_row


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
    return _issue(
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


def _existing(idempotency_key, kind, household):
    document = (
        PROXY_BY_KIND[kind]
        ._base_manager.select_related("account")
        .filter(idempotency_key=idempotency_key)
        .first()
    )
    if document is not None and (
        document.kind != kind or document.account.household_id != household.pk
    ):
        raise IdempotencyConflict(
            f"Key {idempotency_key!r} already used by {document.number} for another document."
        )
    return document


def _author_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


_NO_PAYER_GIVEN = object()


def _snapshot(
    settings_row: LedgerSettings,
    household,
    service_code: str | None = None,
    *,
    commune=None,
    payer=_NO_PAYER_GIVEN,
) -> dict:
    """What the PDF prints about the commune and the family, frozen at issue time: the
    addressee is the service's payer (selectors.payer_of) at the household's address; with
    no service (a reminder letter for the household), the household. A batch passes the
    commune and each household's payer it read once."""
    commune = commune or current_commune()
    street = " ".join(p for p in (household.street_number, household.street_name) if p)
    town = " ".join(p for p in (household.postal_code, household.city) if p)
    if payer is _NO_PAYER_GIVEN:
        payer = (
            selectors.payer_of(household=household, service_code=service_code)
            if service_code
            else None
        )
    return {
        "recipient_name": payer_name(payer) if payer else household.name,
        "household_name": household.name,
        "payer_id": payer.pk if payer else None,
        "recipient_address": "\n".join(
            p for p in (street, household.address_complement, town) if p
        ),
        "commune_name": commune.name if commune else "",
        "commune_title": commune.display_title if commune else "",
        "postal_address": commune.postal_address if commune else "",
        "contact_email": commune.contact_email if commune else "",
        "issuer_name": settings_row.issuer_name,
        "issuer_title": settings_row.issuer_title,
        "appeal_mentions": settings_row.appeal_mentions,
        "payment_terms": settings_row.payment_terms,
    }


def _clean_lines(household, lines: list[DocumentLine]) -> list[Line]:
    if not lines:
        raise ValidationError(_("Une facture ou un avoir a au moins une ligne."))
    own_children = set(portal_selectors.children_of(household).values_list("pk", flat=True))
    rows = []
    for position, line in enumerate(lines, start=1):
        if line.child_id not in own_children:
            raise ValidationError(_("Cet enfant n'appartient pas au foyer."))
        if isinstance(line.unit_price, float):
            raise TypeError("unit_price must be a Decimal, not a float.")
        unit_price = euros(line.unit_price)
        if unit_price < 0 or line.quantity < 1:
            raise ValidationError(_("Tarif ou quantité invalide."))
        rows.append(
            Line(
                position=position,
                child_id=line.child_id,
                child_name=line.child_name,
                day=line.day,
                label=line.label,
                unit_price=unit_price,
                quantity=line.quantity,
                amount=unit_price * line.quantity,
                credits_id=line.credits_line_id,
            )
        )
    return rows


def _check_credited_lines(account, rows, cancels):
    """Each credited line is a line of an invoice of this account (of `cancels` when given),
    for the same child, price and quantity, and was never credited before. Called under the
    counter's lock, so two credit notes for one line wait for each other; the database's
    unique constraint holds whatever code runs."""
    wanted = [row.credits_id for row in rows if row.credits_id is not None]
    if not wanted:
        return
    if len(set(wanted)) != len(wanted):
        raise ValidationError(_("Une même ligne de facture ne peut être créditée qu'une fois."))
    credited = {
        line.pk: line
        for line in Line.objects.select_related("document").filter(
            pk__in=wanted, document__kind=Document.Kind.INVOICE, document__account=account
        )
    }
    already = {
        line.credits_id: line.document.number
        for line in Line.objects.select_related("document").filter(credits_id__in=wanted)
    }
    for row in rows:
        if row.credits_id is None:
            continue
        line = credited.get(row.credits_id)
        if line is None or (cancels is not None and line.document_id != cancels.pk):
            raise ValidationError(_("L'avoir doit créditer une ligne de facture de ce compte."))
        if row.credits_id in already:
            raise ValidationError(
                _("%(line)s a déjà été crédité (avoir %(number)s).")
                % {"line": _line_text(line), "number": already[row.credits_id]}
            )
        if (line.child_id, line.unit_price, line.quantity) != (
            row.child_id,
            row.unit_price,
            row.quantity,
        ):
            raise ValidationError(
                _("%(line)s : l'avoir doit reprendre l'enfant, le tarif et la quantité facturés.")
                % {"line": _line_text(line)}
            )


def _line_text(line) -> str:
    return f"{line.child_name}, {line.day:%d/%m/%Y}, {line.label}"


def _issue(
    *,
    kind,
    household,
    service_code,
    lines,
    author,
    order_reference,
    idempotency_key,
    issued_at=None,
    amount=None,
    **extra,
) -> Document:
    if not idempotency_key:
        raise ValueError("An idempotency key is required.")
    existing = _existing(idempotency_key, kind, household)
    if existing is not None:
        return existing
    book = ServiceBook.objects.filter(code=service_code).first()
    if book is None:
        raise ValidationError(_("Service inconnu : %(code)s") % {"code": service_code})
    rows = _clean_lines(household, lines) if kind != Document.Kind.PAYMENT else []
    if kind != Document.Kind.CREDIT_NOTE and any(row.credits_id for row in rows):
        raise ValueError("Only a credit note's lines credit an invoice line.")
    total = sum((row.amount for row in rows), Decimal("0.00")) if rows else euros(amount)
    if total <= 0:
        raise ValidationError(_("Le montant doit être positif."))
    cancels = extra.get("cancels")
    if cancels is not None and (
        cancels.kind != Document.Kind.INVOICE or cancels.account.household_id != household.pk
    ):
        raise ValidationError(_("L'avoir doit corriger une facture du même foyer."))
    issued_at = issued_at or timezone.now()
    year = timezone.localtime(issued_at).year
    settings_row = ledger_settings()

    with transaction.atomic():
        account, _created = Account.objects.get_or_create(household=household, service=book)
        sequence = allocate_number(kind, year)
        # Checked again under the counter's lock: a concurrent call with the same key has
        # committed by now, and this one returns its document instead of a second one.
        existing = _existing(idempotency_key, kind, household)
        if existing is not None:
            transaction.set_rollback(True)
            return existing
        if kind == Document.Kind.CREDIT_NOTE:
            _check_credited_lines(account, rows, extra.get("cancels"))
        try:
            with transaction.atomic():
                document = PROXY_BY_KIND[kind].objects.create(
                    kind=kind,
                    number=format_number(kind, year, sequence),
                    year=year,
                    sequence=sequence,
                    account=account,
                    issued_at=issued_at,
                    total=total,
                    author=author,
                    author_name=_author_name(author),
                    order_reference=order_reference,
                    idempotency_key=idempotency_key,
                    invoice_title=book.invoice_title,
                    observations=book.observations,
                    snapshot=_snapshot(settings_row, household, service_code),
                    **extra,
                )
        except IntegrityError:
            existing = _existing(idempotency_key, kind, household)
            if existing is None:
                raise
            transaction.set_rollback(True)
            return existing
        for row in rows:
            row.document = document
        Line.objects.bulk_create(rows)
        # The PDF is rendered by a worker; a broker down is no error: it renders on demand.
        publish_on_commit(render_document_pdf, document.pk)
    return document


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
