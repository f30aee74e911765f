"""The reminders (relances) of unpaid invoices; imported by ledger.models."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    """A reminder (relance) sent to a household in debit: by e-mail and as a PDF letter.

    `snapshot` freezes what the letter prints (the commune's mentions, the family's address,
    the amounts per service), so the letter downloaded later is the one that was sent."""

    household = models.ForeignKey(
        "portal.Household",
        on_delete=models.PROTECT,
        related_name="reminders",
        verbose_name=_("foyer"),
    )
    sent_at = models.DateTimeField(_("date"), db_index=True)
    amount = models.DecimalField(_("montant dû"), max_digits=10, decimal_places=2)
    oldest_unpaid = models.DateField(_("plus ancienne facture impayée"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("envoyée par (compte)"),
    )
    sent_by_name = models.CharField(_("envoyée par"), max_length=300)
    emails = models.PositiveSmallIntegerField(_("e-mails envoyés"), default=0)
    snapshot = models.JSONField(_("lettre"), default=dict)

    class Meta:
        verbose_name = _("relance")
        verbose_name_plural = _("relances")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_reminder_amount_due")
        ]

    def __str__(self):
        return f"{self.household} {self.sent_at:%d/%m/%Y}"
