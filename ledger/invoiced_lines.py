"""Invoice lines and the credit note that credited each (booking's corrections, closures and
attendance credit what was invoiced, never twice); read through ledger.selectors."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from ledger.models import Document, Line


@dataclass(frozen=True)
class InvoicedLine:
    """An invoice line, with the credit note that credited it (if one did)."""

    pk: int
    invoice_id: int
    invoice_number: str
    order_reference: str
    child_id: int | None
    child_name: str
    day: datetime.date
    label: str
    unit_price: Decimal
    quantity: int
    amount: Decimal
    credited_by: str | None  # the credit note's number

    @property
    def credited(self) -> bool:
        return self.credited_by is not None


def invoiced_lines(
    *,
    household,
    service_code: str,
    order_references=None,
    line_ids=None,
    invoice_id=None,
    months=None,
) -> list[InvoicedLine]:
    """The household's invoice lines for a service, narrowed to some orders' invoices, some
    line ids or one invoice. Two queries, whatever the number of lines."""
    lines = Line.objects.filter(
        document__kind=Document.Kind.INVOICE,
        document__account__household=household,
        document__account__service__code=service_code,
    )
    if order_references is not None:
        lines = lines.filter(document__order_reference__in=list(order_references))
    if line_ids is not None:
        lines = lines.filter(pk__in=list(line_ids))
    if invoice_id is not None:
        lines = lines.filter(document_id=invoice_id)
    if months is not None:  # the monthly invoices of post-paid services (ledger/batch.py)
        lines = lines.filter(document__batch_entry__month__in=list(months))
    rows = list(
        lines.values(
            "pk",
            "document_id",
            "document__number",
            "document__order_reference",
            "child_id",
            "child_name",
            "day",
            "label",
            "unit_price",
            "quantity",
            "amount",
        ).order_by("document__issued_at", "document_id", "position")
    )
    credits = dict(
        Line.objects.filter(credits_id__in=[row["pk"] for row in rows]).values_list(
            "credits_id", "document__number"
        )
    )
    return [
        InvoicedLine(
            pk=row["pk"],
            invoice_id=row["document_id"],
            invoice_number=row["document__number"],
            order_reference=row["document__order_reference"],
            child_id=row["child_id"],
            child_name=row["child_name"],
            day=row["day"],
            label=row["label"],
            unit_price=row["unit_price"],
            quantity=row["quantity"],
            amount=row["amount"],
            credited_by=credits.get(row["pk"]),
        )
        for row in rows
    ]
