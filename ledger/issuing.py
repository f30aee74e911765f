"""Issuing a ledger document in two steps, so that a caller holding busy locks keeps them
short: `prepare` reads and checks everything (the book, the lines, the account, the
addressee's snapshot) before the caller's locks; `issue` then takes the number under the
counter's lock, re-checks the idempotency key and inserts the document and its lines.
ledger/services.py's issue_* functions call both; a booking validation prepares before its
places' locks (booking/services/orders.py)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger import selectors
from ledger.models import (
    PROXY_BY_KIND,
    Account,
    Document,
    LedgerSettings,
    Line,
)
from ledger.money import euros
from ledger.numbering import allocate_number, format_number, give_back_numbers
from ledger.payers import payer_name
from ledger.tasks import render_document_pdf
from notifications.publish import publish_on_commit
from portal import selectors as portal_selectors
from tenants.compiled import compiled_query, fetch_together
from tenants.links import current_commune


class IdempotencyConflict(ValueError):
    """The key was already used for a different document (another household or kind)."""


def ledger_settings() -> LedgerSettings:
    settings_row = _settings_row.first()
    if settings_row is None:
        settings_row, _created = LedgerSettings.objects.get_or_create(pk=1)
    return settings_row


@compiled_query
def _settings_row():
    return LedgerSettings.objects.order_by("pk")[:1]


def _by_key(proxy):
    """The document of an idempotency key, as the kind's proxy (compiled once per kind)."""
    return compiled_query(
        lambda key: (
            proxy._base_manager.select_related("account")
            .filter(idempotency_key=key)
            .order_by("pk")[:1]
        )
    )


_BY_KEY = {kind: _by_key(proxy) for kind, proxy in PROXY_BY_KIND.items()}


def _existing(idempotency_key, kind, household):
    return _checked(_BY_KEY[kind].first(key=idempotency_key), idempotency_key, kind, household)


def _checked(document, idempotency_key, kind, household):
    """The document already issued under the key, if it is this household's of this kind."""
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


def _clean_lines(household, lines, own_children=None) -> list[Line]:
    if not lines:
        raise ValidationError(_("Une facture ou un avoir a au moins une ligne."))
    if own_children is None:
        own_children = portal_selectors.child_ids_of(household)
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


@dataclass
class PreparedDocument:
    """A document checked and computed, not issued yet: `existing` when its idempotency key
    was used already (issuing then returns it)."""

    kind: str
    household: object
    idempotency_key: str
    existing: Document | None = None
    account: Account | None = None
    year: int = 0
    rows: list = field(default_factory=list)
    fields: dict = field(default_factory=dict)  # the Document's other columns


def prepare(
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
) -> PreparedDocument:
    """Every read and check of a document, no lock taken (the account row may be created)."""
    if not idempotency_key:
        raise ValueError("An idempotency key is required.")
    # Everything below reads, in one round trip.
    ids = {"household_id": household.pk}
    existing, books, child_ids, accounts, settings_rows, payer_accounts, guardians = fetch_together(
        (_BY_KEY[kind], {"key": idempotency_key}),
        (selectors.book_of_code, {"code": service_code}),
        (portal_selectors.household_child_ids, ids),
        (_account, ids | {"code": service_code}),
        (_settings_row, {}),
        (selectors.account_with_payer, ids | {"code": service_code}),
        (portal_selectors.household_guardians, ids),
    )
    existing = _checked(existing[0] if existing else None, idempotency_key, kind, household)
    if existing is not None:
        return PreparedDocument(kind, household, idempotency_key, existing=existing)
    book = books[0] if books else None
    if book is None:
        raise ValidationError(_("Service inconnu : %(code)s") % {"code": service_code})
    rows = _clean_lines(household, lines, set(child_ids)) if kind != Document.Kind.PAYMENT else []
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
    account = accounts[0] if accounts else None
    if account is None:
        account, _created = Account.objects.get_or_create(household=household, service=book)
    settings_row = settings_rows[0] if settings_rows else ledger_settings()
    payer = selectors.payer_from(household, payer_accounts, guardians)
    return PreparedDocument(
        kind=kind,
        household=household,
        idempotency_key=idempotency_key,
        account=account,
        year=timezone.localtime(issued_at).year,
        rows=rows,
        fields={
            "issued_at": issued_at,
            "total": total,
            "author": author,
            "author_name": _author_name(author),
            "order_reference": order_reference,
            "invoice_title": book.invoice_title,
            "observations": book.observations,
            "snapshot": _snapshot(settings_row, household, service_code, payer=payer),
            **extra,
        },
    )


@compiled_query
def _account(household_id, code):
    return Account.objects.filter(household_id=household_id, service__code=code)[:1]


def issue(prepared: PreparedDocument) -> Document:
    """The number (the counter's lock, held until the caller's transaction ends), the key
    checked again under it, the document and its lines: four statements for an invoice."""
    if prepared.existing is not None:
        return prepared.existing
    kind, year, household = prepared.kind, prepared.year, prepared.household
    key = prepared.idempotency_key
    # A credit note's lines are checked under the lock and may be refused: a savepoint then
    # gives the number back. An invoice or payment has nothing left to refuse.
    with transaction.atomic(savepoint=kind == Document.Kind.CREDIT_NOTE):
        sequence = allocate_number(kind, year)
        # Checked again under the counter's lock: a concurrent call with the same key has
        # committed by now, and this one returns its document instead of a second one.
        existing = _existing(key, kind, household)
        if existing is not None:
            give_back_numbers(kind, year, sequence, 1)
            return existing
        if kind == Document.Kind.CREDIT_NOTE:
            _check_credited_lines(prepared.account, prepared.rows, prepared.fields.get("cancels"))
        try:
            with transaction.atomic():
                document = PROXY_BY_KIND[kind].objects.create(
                    kind=kind,
                    number=format_number(kind, year, sequence),
                    year=year,
                    sequence=sequence,
                    account=prepared.account,
                    idempotency_key=key,
                    **prepared.fields,
                )
        except IntegrityError:
            # The same key issued meanwhile under another year's counter.
            existing = _existing(key, kind, household)
            if existing is None:
                raise
            give_back_numbers(kind, year, sequence, 1)
            return existing
        for row in prepared.rows:
            row.document = document
        Line.objects.bulk_create(prepared.rows)
        # The PDF is rendered by a worker; a broker down is no error: it renders on demand.
        publish_on_commit(render_document_pdf, document.pk)
    return document
