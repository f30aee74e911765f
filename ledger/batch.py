"""Monthly invoice batches ("lots") of post-paid services: what a batch writes, in one
transaction and a fixed number of queries whatever the number of households.

The caller (booking/invoicing.py) computes each household's lines; this module numbers the
invoices in the commune's gap-free FA sequence (one counter lock for the whole batch), links
each to its month (one invoice per service × month × household, refused twice by the
database), queues one e-mail per household in the outbox and the PDFs for the worker.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.models import (
    Account,
    BatchInvoice,
    Document,
    Invoice,
    InvoiceBatch,
    Line,
    ServiceBook,
)
from ledger.money import euros, format_euros
from ledger.numbering import allocate_numbers, format_number
from ledger.services import DocumentLine, _author_name, _snapshot, ledger_settings
from ledger.tasks import render_batch_pdfs
from notifications.publish import publish_on_commit
from notifications.services import queue_emails
from portal import selectors as portal_selectors
from tenants.links import commune_url, current_commune


@dataclass
class BatchDraft:
    """One household's invoice of the month, as the caller computed it."""

    household: object  # portal Household
    lines: list[DocumentLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((euros(line.unit_price) * line.quantity for line in self.lines), Decimal(0))


def month_key(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def invoice_key(service_code: str, month: datetime.date, household_id: int) -> str:
    return f"batch:{service_code}:{month_key(month)}:{household_id}"


def invoiced_households(*, service_code: str, month: datetime.date) -> set[int]:
    """The households whose invoice of that month is issued already (one query)."""
    return set(
        BatchInvoice.objects.filter(service__code=service_code, month=month).values_list(
            "household_id", flat=True
        )
    )


def batches_of(*, service_code: str) -> list[InvoiceBatch]:
    return list(InvoiceBatch.objects.filter(service__code=service_code).select_related("service"))


def issue_invoice_batch(
    *,
    service_code: str,
    month: datetime.date,
    drafts: list[BatchDraft],
    author,
    issued_at: datetime.datetime | None = None,
) -> InvoiceBatch | None:
    """Issue the month's invoices of `drafts` in one batch, in the caller's transaction (a
    savepoint). Households invoiced already for the month and empty drafts are skipped; with
    nothing left, nothing is written and None is returned. The caller holds the households'
    locks; the FA counter is locked here, last."""
    month = month.replace(day=1)
    book = ServiceBook.objects.filter(code=service_code).first()
    if book is None:
        raise ValidationError(_("Service inconnu : %(code)s") % {"code": service_code})
    issued_at = issued_at or timezone.now()
    year = timezone.localtime(issued_at).year
    with transaction.atomic():
        done = invoiced_households(service_code=service_code, month=month)
        drafts = [d for d in drafts if d.lines and d.household.pk not in done]
        if not drafts:
            return None
        _check_children(drafts)
        households = [draft.household for draft in drafts]
        Account.objects.bulk_create(
            [Account(household=household, service=book) for household in households],
            ignore_conflicts=True,
        )
        accounts = {
            account.household_id: account
            for account in Account.objects.select_related("payer__user").filter(
                service=book, household__in=[h.pk for h in households]
            )
        }
        # The addressee of each invoice: the payer the commune marked, else Responsable 1.
        first_guardians = portal_selectors.first_guardians([h.pk for h in households])
        payers = {
            household_id: (
                account.payer
                if account.payer_id and account.payer.household_id == household_id
                else first_guardians.get(household_id)
            )
            for household_id, account in accounts.items()
        }
        settings_row = ledger_settings()
        commune = current_commune()
        rank = 1 + InvoiceBatch.objects.filter(service=book, month=month).count()
        first = allocate_numbers(Document.Kind.INVOICE, year, len(drafts))
        reference = _("Facturation %(month)s") % {"month": f"{month:%m/%Y}"}
        invoices = Invoice.objects.bulk_create(
            [
                Invoice(
                    kind=Document.Kind.INVOICE,
                    number=format_number(Document.Kind.INVOICE, year, first + index),
                    year=year,
                    sequence=first + index,
                    account=accounts[draft.household.pk],
                    issued_at=issued_at,
                    total=euros(draft.total),
                    author=author,
                    author_name=_author_name(author),
                    order_reference=reference,
                    idempotency_key=invoice_key(service_code, month, draft.household.pk),
                    invoice_title=book.invoice_title,
                    observations=book.observations,
                    snapshot=_snapshot(
                        settings_row,
                        draft.household,
                        service_code,
                        commune=commune,
                        payer=payers[draft.household.pk],
                    ),
                )
                for index, draft in enumerate(drafts)
            ]
        )
        Line.objects.bulk_create(
            [
                Line(
                    document=invoice,
                    position=position,
                    child_id=line.child_id,
                    child_name=line.child_name,
                    day=line.day,
                    label=line.label,
                    unit_price=euros(line.unit_price),
                    quantity=line.quantity,
                    amount=euros(line.unit_price) * line.quantity,
                )
                for invoice, draft in zip(invoices, drafts, strict=True)
                for position, line in enumerate(draft.lines, start=1)
            ]
        )
        batch = InvoiceBatch.objects.create(
            service=book,
            month=month,
            rank=rank,
            issued_at=issued_at,
            author=author,
            author_name=_author_name(author),
            invoice_count=len(invoices),
            total=sum((invoice.total for invoice in invoices), Decimal("0.00")),
        )
        BatchInvoice.objects.bulk_create(
            [
                BatchInvoice(
                    batch=batch, service=book, month=month, household=draft.household, invoice=inv
                )
                for inv, draft in zip(invoices, drafts, strict=True)
            ]
        )
        _queue_emails(book, month, invoices, drafts, commune)
        publish_on_commit(render_batch_pdfs, batch.pk)
    return batch


def _check_children(drafts: list[BatchDraft]) -> None:
    households = portal_selectors.households_of_children(
        {line.child_id for draft in drafts for line in draft.lines}
    )
    for draft in drafts:
        for line in draft.lines:
            if households.get(line.child_id) != draft.household.pk:
                raise ValidationError(_("Cet enfant n'appartient pas au foyer."))
            if isinstance(line.unit_price, float):
                raise TypeError("unit_price must be a Decimal, not a float.")
            if euros(line.unit_price) < 0 or line.quantity < 1:
                raise ValidationError(_("Tarif ou quantité invalide."))
        if draft.total <= 0:
            raise ValidationError(_("Le montant doit être positif."))


def _queue_emails(book, month, invoices, drafts, commune) -> None:
    """One e-mail per household (to each of its guardians), the invoice linked."""
    emails = portal_selectors.guardian_emails([draft.household.pk for draft in drafts])
    messages = []
    for invoice, draft in zip(invoices, drafts, strict=True):
        link = (
            commune_url(
                commune,
                "ledger:document_detail",
                kwargs={"service_code": book.code, "number": invoice.number},
            )
            if commune
            else ""
        )
        context = {
            "commune": commune,
            "service": book.name,
            "month": f"{month:%m/%Y}",
            "number": invoice.number,
            "amount": format_euros(invoice.total),
            "household_name": draft.household.name,
            "invoice_url": link,
        }
        for email in emails.get(draft.household.pk, []):
            messages.append(
                {
                    "to": email,
                    "template": "ledger/monthly_invoice",
                    "context": context,
                    "idempotency_key": f"monthly-invoice:{invoice.pk}:{email}",
                }
            )
    queue_emails(messages)
