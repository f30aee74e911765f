"""ledger's exports (gestion/exports/), for the Régisseur: the documents of a period with
their lines, and the payments by mode."""

from ledger.models import Document, Line
from ledger.selectors import _instant, start_of_day
from portal import exports
from portal.roles import staff_permission

DOCUMENT_HEADERS = [
    "Numéro",
    "Type",
    "Date",
    "Foyer",
    "Service",
    "Total de la pièce",
    "Ligne",
    "Enfant",
    "Jour",
    "Libellé",
    "Tarif",
    "Quantité",
    "Montant de la ligne",
    "Motif",
]
PAYMENT_HEADERS = [
    "Numéro",
    "Date",
    "Foyer",
    "Service",
    "Mode",
    "Montant",
    "Référence Trésor",
    "Commande",
    "Réalisé par",
]


@staff_permission("ledger.export_ledger")
def documents_export(request):
    """Invoices and credit notes issued in the period, one row per line (one query)."""
    period, refused = exports.period_or_redirect(request)
    if refused:
        return refused
    first, last = period
    lines = (
        Line.objects.filter(
            document__issued_at__gte=start_of_day(first),
            document__issued_at__lt=_instant(last),
            document__kind__in=[Document.Kind.INVOICE, Document.Kind.CREDIT_NOTE],
        )
        .select_related("document__account__household", "document__account__service")
        .order_by("document__issued_at", "document__number", "position")
    )
    kinds = dict(Document.Kind.choices)
    rows = (
        [
            line.document.number,
            str(kinds[line.document.kind]).capitalize(),
            line.document.issued_at,
            line.document.account.household.name,
            line.document.account.service.name,
            line.document.total,
            line.position,
            line.child_name,
            line.day,
            line.label,
            line.unit_price,
            line.quantity,
            line.amount,
            line.document.reason,
        ]
        for line in lines.iterator(chunk_size=2000)
    )
    return exports.export_response(
        exports.export_format(request.GET),
        filename=f"factures-avoirs-{first:%Y-%m-%d}-{last:%Y-%m-%d}",
        title="Factures et avoirs",
        headers=DOCUMENT_HEADERS,
        rows=rows,
    )


@staff_permission("ledger.export_ledger")
def payments_export(request):
    """Payments received in the period, with their mode (one query)."""
    period, refused = exports.period_or_redirect(request)
    if refused:
        return refused
    first, last = period
    payments = (
        Document.objects.filter(
            kind=Document.Kind.PAYMENT,
            issued_at__gte=start_of_day(first),
            issued_at__lt=_instant(last),
        )
        .select_related("account__household", "account__service")
        .defer("snapshot", "observations")
        .order_by("payment_mode", "issued_at", "number")
    )
    modes = dict(Document.PaymentMode.choices)
    rows = (
        [
            p.number,
            p.issued_at,
            p.account.household.name,
            p.account.service.name,
            str(modes.get(p.payment_mode, p.payment_mode)),
            p.total,
            p.treasury_reference,
            p.order_reference,
            p.author_name,
        ]
        for p in payments.iterator(chunk_size=2000)
    )
    return exports.export_response(
        exports.export_format(request.GET),
        filename=f"reglements-{first:%Y-%m-%d}-{last:%Y-%m-%d}",
        title="Règlements",
        headers=PAYMENT_HEADERS,
        rows=rows,
    )
