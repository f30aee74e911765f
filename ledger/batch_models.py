"""Monthly invoice batches ("lots") of post-paid services; imported by ledger.models."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceBatch(models.Model):
    """One run of a service's monthly invoicing: the first of the month, then complementary
    batches for households that had nothing invoiced yet. Written once, never changed."""

    service = models.ForeignKey(
        "ledger.ServiceBook", on_delete=models.PROTECT, verbose_name=_("service")
    )
    month = models.DateField(_("mois"))  # the first day of the invoiced month
    rank = models.PositiveSmallIntegerField(_("rang"))  # 1, then complementary batches
    issued_at = models.DateTimeField(_("émis le"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("réalisé par"),
    )
    author_name = models.CharField(_("réalisé par"), max_length=300)
    invoice_count = models.PositiveIntegerField(_("factures"))
    total = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("lot de factures")
        verbose_name_plural = _("lots de factures")
        ordering = ["-month", "-rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "month", "rank"], name="ledger_batch_rank_once"
            )
        ]

    def __str__(self):
        return f"{self.service.code} {self.month:%m/%Y} #{self.rank}"


class BatchInvoice(models.Model):
    """A household's invoice of a month: one per service × month × household, whatever the
    batch (the database refuses a second)."""

    batch = models.ForeignKey(
        InvoiceBatch, on_delete=models.PROTECT, related_name="entries", verbose_name=_("lot")
    )
    service = models.ForeignKey(
        "ledger.ServiceBook", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    month = models.DateField(_("mois"))
    household = models.ForeignKey(
        "portal.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("foyer")
    )
    invoice = models.OneToOneField(
        "ledger.Document", on_delete=models.PROTECT, related_name="batch_entry"
    )

    class Meta:
        verbose_name = _("facture mensuelle")
        verbose_name_plural = _("factures mensuelles")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "month", "household"], name="ledger_batch_household_once"
            )
        ]

    def __str__(self):
        return f"{self.service_id} {self.month:%m/%Y} {self.household_id}"
