"""The orders' tables: Order (what "Finaliser la commande" asked for), its lines, and the
Reservation rows they apply. Imported by booking.models, the app's one models path."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Order(models.Model):
    """What a parent asked for on "Finaliser la commande": a draft until validated."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        VALIDATED = "validated", _("validée")
        AWAITING_PAYMENT = "awaiting_payment", _("en attente de paiement")
        REFUSED = "refused", _("paiement refusé")
        ABANDONED = "abandoned", _("paiement abandonné")
        EXPIRED = "expired", _("expirée")

    household = models.ForeignKey(
        "portal.Household", on_delete=models.PROTECT, verbose_name=_("foyer")
    )
    service = models.ForeignKey(
        "booking.Service", on_delete=models.PROTECT, verbose_name=_("service")
    )
    status = models.CharField(
        _("état"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("réalisé par")
    )
    on_behalf_reason = models.CharField(
        _("motif (saisie par la mairie)"), max_length=200, blank=True
    )
    overrides_deadlines = models.BooleanField(_("hors délais"), default=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"))
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    # Fixed when the payment starts: the part of the account's balance this order counts on
    # while it awaits payment (booking/credit.py). Negative when its payment settles a debt.
    reserved_credit = models.DecimalField(
        _("crédit réservé"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = _("commande")
        verbose_name_plural = _("commandes")
        ordering = ["-created_at"]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        return f"CMD{self.pk:08d}"


class OrderLine(models.Model):
    class Action(models.TextChoices):
        ADD = "add", _("commandé")
        CANCEL = "cancel", _("annulé")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    child = models.ForeignKey("portal.Child", on_delete=models.PROTECT)
    meal_kind = models.ForeignKey("booking.MealKind", on_delete=models.PROTECT)
    day = models.DateField()
    action = models.CharField(max_length=10, choices=Action.choices)
    unit_price = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["child", "meal_kind", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "child", "meal_kind", "day"], name="booking_order_line_once"
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.child_id} {self.day:%d/%m/%Y}"


class Reservation(models.Model):
    """A meal booked for a child. HELD while its order awaits payment: it counts against
    the places but is not yet the family's."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("réservé")
        HELD = "held", _("en attente de paiement")
        CANCELLED = "cancelled", _("annulé")

    child = models.ForeignKey("portal.Child", on_delete=models.PROTECT, verbose_name=_("enfant"))
    meal_kind = models.ForeignKey(
        "booking.MealKind", on_delete=models.PROTECT, verbose_name=_("repas")
    )
    site = models.ForeignKey("booking.Site", on_delete=models.PROTECT, verbose_name=_("site"))
    day = models.DateField(_("jour"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices)
    unit_price = models.DecimalField(_("tarif"), max_digits=8, decimal_places=2)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("commande")
    )
    cancelled_by_order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="cancellations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["day", "child"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "meal_kind", "day"],
                condition=~models.Q(status="cancelled"),
                name="booking_one_active_reservation",
            ),
        ]
        indexes = [models.Index(fields=["site", "day", "status"], name="booking_res_site_day")]

    def __str__(self):
        return f"{self.child} {self.meal_kind} {self.day:%d/%m/%Y}"
