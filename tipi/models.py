"""PayFiP: the commune's settings and every card payment started, with its history."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.node_cache import NodeCache

# Whether each commune's card payments are in test mode (the portal's banner), in each web
# process, by schema (tipi.selectors.is_test_mode).
payfip_mode_cache = NodeCache("payfip-mode")


class PayfipSettings(models.Model):
    """One row per commune: in which mode its card payments are made and whether they are
    open. Where the Treasury is (PayFiP or the local simulator) is the platform's setting
    (PAYFIP_URL, PAYFIP_SIMULATOR_URL), never the commune's: an agent cannot send parents'
    cards or the status questions to another host."""

    class Mode(models.TextChoices):
        TEST = "T", _("T — test")
        ACTIVATION = "X", _("X — activation")
        PRODUCTION = "W", _("W — production")

    saisie = models.CharField(
        _("mode (saisie)"), max_length=1, choices=Mode.choices, default=Mode.TEST
    )
    is_enabled = models.BooleanField(_("paiement par carte ouvert"), default=True)

    class Meta:
        verbose_name = _("réglages PayFiP")
        verbose_name_plural = _("réglages PayFiP")

    def __str__(self):
        return f"PayFiP ({self.get_saisie_display()})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        payfip_mode_cache.invalidate()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        payfip_mode_cache.invalidate()
        return result


class Regie(models.Model):
    """The Treasury's client number (numcli) of the régie that collects a service."""

    service_code = models.SlugField(_("code du service"), max_length=10, unique=True)
    numcli = models.CharField(
        _("numéro client PayFiP (numcli)"),
        max_length=6,
        validators=[RegexValidator(r"^[0-9]{6}$", _("6 chiffres."))],
    )

    class Meta:
        verbose_name = _("régie PayFiP")
        verbose_name_plural = _("régies PayFiP")
        ordering = ["service_code"]

    def __str__(self):
        return f"{self.service_code} → {self.numcli}"


class PaymentOperation(models.Model):
    """One card payment asked of the Treasury for an order (prepaid services) or for a
    monthly invoice of the ledger (post-paid services): exactly one of the two. Its `refdet`
    is the "Référence de la dette" the parent sees on PayFiP and on the Treasury's ticket."""

    class Status(models.TextChoices):
        NEW = "new", _("en création")
        PENDING = "pending", _("en attente du Trésor")
        PAID = "paid", _("payé")
        REFUSED = "refused", _("refusé")
        ABANDONED = "abandoned", _("abandonné")
        EXPIRED = "expired", _("expiré")
        FAILED = "failed", _("non démarré (Trésor injoignable)")

    FINAL = (Status.PAID, Status.REFUSED, Status.ABANDONED, Status.FAILED)
    # Not known to be over: an order has at most one of these at a time.
    LIVE = (Status.NEW, Status.PENDING)

    refdet = models.CharField(_("référence (refdet)"), max_length=30, unique=True, null=True)
    order = models.ForeignKey(
        "booking.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commande"),
    )
    invoice = models.ForeignKey(
        "ledger.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("facture"),
    )
    # Who asked for it (the payment is recorded in their name).
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    household = models.ForeignKey(
        "portal.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("foyer")
    )
    service_code = models.CharField(_("service"), max_length=10)
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    mel = models.CharField(_("adresse électronique"), max_length=80)
    objet = models.CharField(_("libellé du paiement"), max_length=100)
    numcli = models.CharField(_("numéro client PayFiP (numcli)"), max_length=6)
    exer = models.CharField(_("exercice"), max_length=4)
    saisie = models.CharField(_("mode"), max_length=1)
    # The endpoint the platform chose when the operation was created (kept as history).
    base_url = models.URLField(_("service PayFiP"))
    id_op = models.CharField(_("idOp"), max_length=36, unique=True, null=True, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    resultrans = models.CharField(_("résultat (resultrans)"), max_length=1, blank=True)
    numauto = models.CharField(_("n° d'autorisation"), max_length=20, blank=True)
    paid_at = models.DateTimeField(_("payé le"), null=True, blank=True)
    payment_number = models.CharField(_("règlement"), max_length=20, blank=True)
    dropped_days = models.PositiveIntegerField(_("jours non réservés (payés tard)"), default=0)
    paid_twice = models.BooleanField(
        _("paiement en double (laissé en crédit)"),
        default=False,
        help_text=_("La commande était déjà payée : ce montant reste en crédit sur le compte."),
    )
    manual_reason = models.TextField(_("motif de la validation manuelle"), blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validé manuellement par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    checked_at = models.DateTimeField(_("dernière vérification"), null=True, blank=True)
    settled_at = models.DateTimeField(_("conclu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("paiement par carte")
        verbose_name_plural = _("paiements par carte")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="tipi_op_status_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status__in=["new", "pending"]),
                name="tipi_one_live_operation_per_order",
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=models.Q(status__in=["new", "pending"]),
                name="tipi_one_live_operation_per_invoice",
            ),
            models.CheckConstraint(
                condition=models.Q(order__isnull=False, invoice__isnull=True)
                | models.Q(order__isnull=True, invoice__isnull=False),
                name="tipi_operation_pays_an_order_or_an_invoice",
            ),
        ]

    def __str__(self):
        return self.refdet or f"#{self.pk}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def debt_reference(self) -> str:
        """What it pays: the order's reference or the invoice's number."""
        return self.order.reference if self.order_id else self.invoice.number


class OperationEvent(models.Model):
    """The history of an operation, for the back office: who did what, what the Treasury
    said."""

    class Kind(models.TextChoices):
        CREATED = "created", _("paiement créé")
        SENT_TO_TREASURY = "sent_to_treasury", _("envoyé au Trésor")
        START_FAILED = "start_failed", _("non démarré")
        ABANDONED_BY_PARENT = "abandoned_by_parent", _("abandonné par la famille")
        TREASURY_UNREACHABLE = "treasury_unreachable", _("Trésor injoignable")
        NO_RESULT_YET = "no_result_yet", _("pas encore de résultat")
        TREASURY_ERROR = "treasury_error", _("erreur du Trésor")
        EXPIRED = "expired", _("expiré")
        ANOMALY = "anomaly", _("anomalie")
        REFUSED = "refused", _("refusé")
        ABANDONED = "abandoned", _("abandonné")
        PAID = "paid", _("payé")
        PAID_MANUALLY = "paid_manually", _("payé (validation manuelle)")
        LATE_PAYMENT = "late_payment", _("payé après expiration")
        PAID_TWICE = "paid_twice", _("payé deux fois")
        MANUAL_REFUSED = "manual_refused", _("validation manuelle refusée")

    operation = models.ForeignKey(
        PaymentOperation,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("paiement par carte"),
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)
    kind = models.CharField(_("événement"), max_length=30, choices=Kind.choices)
    detail = models.TextField(_("détail"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    actor_name = models.CharField(_("par"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("historique")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.get_kind_display()}"
