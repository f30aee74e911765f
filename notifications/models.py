from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEmail(models.Model):
    """An e-mail written in the same transaction as the change that causes it.

    A Celery worker claims it ("sending", committed), sends it with a Message-ID of its own
    and marks it sent. The sweeper re-enqueues rows the broker never delivered and rows left
    "sending" by a worker that died: delivery is at least once, every copy with the same
    Message-ID (notifications.services.deliver_outbox_email).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        SENDING = "sending", _("en cours d'envoi")
        SENT = "sent", _("envoyé")
        FAILED = "failed", _("échec")

    to_email = models.EmailField(_("destinataire"), max_length=254)
    reply_to = models.EmailField(_("répondre à"), max_length=254, blank=True)
    subject = models.CharField(_("sujet"), max_length=255)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    template = models.CharField(_("modèle"), max_length=100)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    idempotency_key = models.CharField(
        _("clé d'unicité"), max_length=200, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochain essai"), default=timezone.now)
    claimed_at = models.DateTimeField(_("envoi commencé le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails envoyés")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="outbox_pending_idx",
            )
        ]

    def __str__(self):
        return f"{self.subject} → {self.to_email}"
