"""Household accounts and their immutable documents.

Issued documents and their lines are never updated or deleted (model guard here, a trigger in
the database); what comes later (the stored PDF) lives in its own table.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ledger.batch_models import BatchInvoice, InvoiceBatch  # noqa: F401 - the same
from ledger.reminder_models import Reminder  # noqa: F401 - ledger.models is the one import path

DEFAULT_APPEAL_MENTIONS = (
    "Voies et délais de recours (article L1617-5 du code général des collectivités "
    "territoriales) : dans un délai de deux mois suivant la réception du présent titre, vous "
    "pouvez contester la somme mentionnée en saisissant directement le tribunal judiciaire ou "
    "le tribunal administratif compétent selon la nature de la créance."
)


class ImmutableDocumentError(Exception):
    """An issued document or one of its lines was about to be changed or deleted."""


class LedgerSettings(models.Model):
    """The commune's mentions printed on every document (one row in the commune's schema)."""

    issuer_name = models.CharField(_("nom de l'émetteur"), max_length=150, blank=True)
    issuer_title = models.CharField(
        _("qualité de l'émetteur"),
        max_length=150,
        blank=True,
        help_text=_("Par exemple : « Le Maire », « L'ordonnateur »."),
    )
    appeal_mentions = models.TextField(
        _("voies et délais de recours"), default=DEFAULT_APPEAL_MENTIONS
    )
    payment_terms = models.TextField(
        _("modalités de paiement"),
        blank=True,
        default="Payable en ligne par carte bancaire (PayFiP) ou à la mairie.",
    )
    regie_name = models.CharField(
        _("régie de recettes"),
        max_length=150,
        blank=True,
        default="Régie de recettes de la restauration scolaire",
        help_text=_("Imprimée sur les lettres de relance."),
    )

    class Meta:
        verbose_name = _("mentions des factures")
        verbose_name_plural = _("mentions des factures")

    def __str__(self):
        return str(_("Mentions des factures"))


class ServiceBook(models.Model):
    """A service's account book: its code, name and what its invoices print."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("nom"), max_length=100)
    invoice_title = models.CharField(_("titre des factures"), max_length=150)
    observations = models.TextField(_("observations des factures"), blank=True)

    class Meta:
        verbose_name = _("service (comptabilité)")
        verbose_name_plural = _("services (comptabilité)")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Account(models.Model):
    """One household's account for one service."""

    household = models.ForeignKey(
        "portal.Household",
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
        verbose_name=_("foyer"),
    )
    service = models.ForeignKey(
        ServiceBook, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("service")
    )
    created_at = models.DateTimeField(_("ouvert le"), auto_now_add=True)
    # The guardian the service's invoices are addressed to; none: the first guardian.
    payer = models.ForeignKey(
        "portal.Guardian",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payeur"),
    )

    class Meta:
        verbose_name = _("compte de famille")
        verbose_name_plural = _("comptes des familles")
        ordering = ["household__name", "service__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "service"], name="ledger_account_one_per_service"
            ),
        ]

    def __str__(self):
        return f"{self.household} — {self.service}"


class NumberCounter(models.Model):
    """The last number given per document kind and year; locked by the issuing transaction."""

    kind = models.CharField(_("type de pièce"), max_length=2)
    year = models.PositiveSmallIntegerField(_("exercice"))
    last_number = models.PositiveIntegerField(_("dernier numéro"), default=0)

    class Meta:
        verbose_name = _("compteur de numérotation")
        verbose_name_plural = _("compteurs de numérotation")
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="ledger_counter_kind_year"),
        ]

    def __str__(self):
        return f"{self.kind}{self.year}: {self.last_number}"


class Document(models.Model):
    """An invoice (debit), a credit note or a payment (credits). Never changed once issued."""

    class Kind(models.TextChoices):
        INVOICE = "FA", _("facture")
        CREDIT_NOTE = "AV", _("avoir")
        PAYMENT = "RG", _("règlement")

    class PaymentMode(models.TextChoices):
        CARD = "card", _("carte bancaire (PayFiP)")
        CASH = "cash", _("espèces")
        CHEQUE = "cheque", _("chèque")
        TRANSFER = "transfer", _("virement")

    kind = models.CharField(_("type"), max_length=2, choices=Kind.choices)
    number = models.CharField(_("numéro"), max_length=12, unique=True)
    year = models.PositiveSmallIntegerField(_("exercice"))
    sequence = models.PositiveIntegerField(_("rang"))
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="documents", verbose_name=_("compte")
    )
    issued_at = models.DateTimeField(_("date"), db_index=True)
    total = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("réalisé par (compte)"),
    )
    # Copied at issue time, so a later rename changes no issued document.
    author_name = models.CharField(_("réalisé par"), max_length=300)
    order_reference = models.CharField(_("référence de commande"), max_length=100, blank=True)
    idempotency_key = models.CharField(_("clé d'unicité"), max_length=200, unique=True)
    invoice_title = models.CharField(_("titre"), max_length=150)
    observations = models.TextField(_("observations"), blank=True)
    # The commune's name, address and mentions and the household's address at issue time.
    snapshot = models.JSONField(_("en-tête imprimé"), default=dict)
    without_reservation = models.BooleanField(_("débit sans réservation"), default=False)
    reason = models.TextField(_("motif"), blank=True)
    cancels = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancelled_by",
        verbose_name=_("annule"),
    )
    payment_mode = models.CharField(
        _("mode de règlement"), max_length=10, choices=PaymentMode.choices, blank=True
    )
    treasury_reference = models.CharField(_("référence Trésor"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("pièce comptable")
        verbose_name_plural = _("pièces comptables")
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "sequence"], name="ledger_document_number_once"
            ),
            models.CheckConstraint(
                condition=Q(total__gt=0),
                name="ledger_document_total_positive",
            ),
            models.CheckConstraint(
                condition=Q(kind="RG", payment_mode__gt="") | ~Q(kind="RG") & Q(payment_mode=""),
                name="ledger_document_payment_mode_only_on_payments",
            ),
        ]
        # Consultation factures reads a page newest first (issued_at, id): in this index's order.
        indexes = [
            models.Index(fields=["account", "issued_at", "id"], name="ledger_doc_account_date_id")
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableDocumentError(f"{self.number} is issued and cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableDocumentError(f"{self.number} is issued and cannot be deleted.")

    @property
    def is_credit(self) -> bool:
        return self.kind != self.Kind.INVOICE

    @property
    def credit(self):
        return self.total if self.is_credit else None

    @property
    def debit(self):
        return None if self.is_credit else self.total

    @property
    def row_type(self) -> str:
        """CSS class and label key: invoice, cancellation or payment."""
        return ROW_TYPES[self.kind]

    @property
    def label(self) -> str:
        """As in the manual: "facture n° …", "Annul n° …", "règlement n° …"."""
        return document_label(self.kind, self.number, self.without_reservation)

    @property
    def tagged_label(self) -> str:
        """The label after its row tag ("Réservation", "Annulation", "Règlement"), so that
        no word is said twice: "Règlement n° RG…", "Annulation avoir n° AV…"."""
        return tagged_document_label(self.kind, self.number, self.without_reservation)


# A document's row type by its kind (CSS class and label key).
ROW_TYPES = {"FA": "invoice", "AV": "cancellation", "RG": "payment"}


def document_label(kind: str, number: str, without_reservation: bool) -> str:
    """Document.label from its columns (the parents' pages read rows, not instances)."""
    if kind == Document.Kind.INVOICE:
        if without_reservation:
            return _("débit sans réservation n° %(number)s") % {"number": number}
        return _("facture n° %(number)s") % {"number": number}
    if kind == Document.Kind.CREDIT_NOTE:
        return _("Annul n° %(number)s") % {"number": number}
    return _("règlement n° %(number)s") % {"number": number}


def tagged_document_label(kind: str, number: str, without_reservation: bool) -> str:
    """Document.tagged_label from its columns."""
    if kind == Document.Kind.PAYMENT:
        return _("n° %(number)s") % {"number": number}
    if kind == Document.Kind.CREDIT_NOTE:
        return _("avoir n° %(number)s") % {"number": number}
    return document_label(kind, number, without_reservation)


class Line(models.Model):
    """One line of an invoice or credit note: a child's meal on a day."""

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="lines", verbose_name=_("pièce")
    )
    position = models.PositiveSmallIntegerField(_("rang"))
    child = models.ForeignKey(
        "portal.Child",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enfant"),
    )
    child_name = models.CharField(_("enfant"), max_length=300)
    day = models.DateField(_("date"))
    label = models.CharField(_("type"), max_length=100)
    unit_price = models.DecimalField(_("tarif"), max_digits=8, decimal_places=2)
    quantity = models.PositiveSmallIntegerField(_("quantité"), default=1)
    amount = models.DecimalField(_("total"), max_digits=10, decimal_places=2)
    # On a credit note: the invoice line it credits. Unique, so a line is credited at most
    # once across all credit notes (a trigger checks it is an invoice line of the account).
    credits = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credited_by",
        verbose_name=_("ligne créditée"),
    )

    class Meta:
        verbose_name = _("ligne")
        verbose_name_plural = _("lignes")
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="ledger_line_position"),
            models.CheckConstraint(
                condition=Q(amount=F("unit_price") * F("quantity")),
                name="ledger_line_amount_is_price_times_quantity",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(quantity__gte=1),
                name="ledger_line_price_and_quantity",
            ),
            models.UniqueConstraint(fields=["credits"], name="ledger_line_credited_once"),
        ]

    def __str__(self):
        return f"{self.child_name} {self.day:%d/%m/%Y} {self.label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableDocumentError("An issued document's line cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableDocumentError("An issued document's line cannot be deleted.")


class DocumentPdf(models.Model):
    """The document's PDF, rendered once and then served as stored."""

    document = models.OneToOneField(
        Document,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="pdf",
        verbose_name=_("pièce comptable"),
    )
    content = models.BinaryField(_("contenu"))
    rendered_at = models.DateTimeField(_("produit le"), auto_now_add=True)

    class Meta:
        verbose_name = _("PDF")
        verbose_name_plural = _("PDF")

    def __str__(self):
        return f"{self.document_id}.pdf"


class _KindManager(models.Manager):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def get_queryset(self):
        return super().get_queryset().filter(kind=self.kind)


class Invoice(Document):
    """A "facture" (FA): the type `issue_invoice` returns."""

    objects = _KindManager(Document.Kind.INVOICE)

    class Meta:
        proxy = True
        verbose_name = _("facture")
        verbose_name_plural = _("factures")


class CreditNote(Document):
    """An "avoir" (AV): the type `issue_credit_note` returns."""

    objects = _KindManager(Document.Kind.CREDIT_NOTE)

    class Meta:
        proxy = True
        verbose_name = _("avoir")
        verbose_name_plural = _("avoirs")


class Payment(Document):
    """A "règlement" (RG): the type `record_payment` returns."""

    objects = _KindManager(Document.Kind.PAYMENT)

    class Meta:
        proxy = True
        verbose_name = _("règlement")
        verbose_name_plural = _("règlements")


PROXY_BY_KIND = {
    Document.Kind.INVOICE: Invoice,
    Document.Kind.CREDIT_NOTE: CreditNote,
    Document.Kind.PAYMENT: Payment,
}
