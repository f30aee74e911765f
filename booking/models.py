from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from booking.attendance_models import (  # noqa: F401 - booking.models is the one import path
    AbsenceJustification,
    Attendance,
    AttendanceDay,
    JustificationFile,
)
from booking.service_models import (  # noqa: F401 - booking.models is the one import path
    WEEKDAY_CHOICES,
    BillingBasis,
    BillingMode,
    MealKind,
    PlanningGroup,
    Price,
    PriceBracket,
    Service,
    Site,
    SiteDay,
)


class Enrolment(models.Model):
    """A child's place in a service: the canteen (site) and the planning group."""

    child = models.ForeignKey(
        "portal.Child",
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("enfant"),
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, verbose_name=_("service"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    planning_group = models.ForeignKey(
        PlanningGroup, on_delete=models.PROTECT, verbose_name=_("groupe de planning")
    )

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        constraints = [
            models.UniqueConstraint(fields=["child", "service"], name="booking_one_enrolment")
        ]

    def __str__(self):
        return f"{self.child} — {self.service}"


class SchoolYear(models.Model):
    class Zone(models.TextChoices):
        A = "A", _("zone A")
        B = "B", _("zone B")
        C = "C", _("zone C")

    first_day = models.DateField(_("premier jour"))
    last_day = models.DateField(_("dernier jour"))
    zone = models.CharField(_("zone de vacances"), max_length=1, choices=Zone.choices)
    # A year prepared for next September stays closed (no month open to families) until an
    # agent reviews it and opens it (booking/school_year.py).
    is_open = models.BooleanField(_("ouverte"), default=True)

    class Meta:
        verbose_name = _("année scolaire")
        verbose_name_plural = _("années scolaires")
        ordering = ["-first_day"]

    def __str__(self):
        return f"{self.first_day:%Y}-{self.last_day:%Y}"


class Closure(models.Model):
    """A day the commune closes a service (strike, teachers' training day...)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, verbose_name=_("service"))
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("site"),
        help_text=_("Vide : tous les sites du service."),
    )
    day = models.DateField(_("jour"))
    reason = models.CharField(_("motif"), max_length=150, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fermé par"),
    )
    closed_at = models.DateTimeField(_("fermé le"), null=True, blank=True)
    cancelled_reservations = models.PositiveIntegerField(_("réservations annulées"), default=0)
    credited_amount = models.DecimalField(
        _("montant crédité"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    families = models.PositiveIntegerField(_("familles créditées"), default=0)

    class Meta:
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        ordering = ["day"]
        constraints = [
            # At most one all-sites closure a day, and one per site and day.
            models.UniqueConstraint(
                fields=["service", "day"],
                condition=models.Q(site__isnull=True),
                name="booking_closure_once",
            ),
            models.UniqueConstraint(
                fields=["service", "site", "day"],
                condition=models.Q(site__isnull=False),
                name="booking_closure_site_once",
            ),
        ]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.reason}"


class ExceptionalDay(models.Model):
    meal_kind = models.ForeignKey(
        MealKind,
        on_delete=models.CASCADE,
        limit_choices_to={"is_exceptional": True},
        verbose_name=_("repas exceptionnel"),
    )
    day = models.DateField(_("jour"))
    label = models.CharField(_("intitulé"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("date de repas exceptionnel")
        verbose_name_plural = _("dates de repas exceptionnels")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["meal_kind", "day"], name="booking_exceptional_once")
        ]

    def __str__(self):
        return f"{self.meal_kind} {self.day:%d/%m/%Y}"


class OpenMonth(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, verbose_name=_("service"))
    month = models.DateField(_("mois"), help_text=_("Le premier jour du mois."))

    class Meta:
        verbose_name = _("mois ouvert aux réservations")
        verbose_name_plural = _("mois ouverts aux réservations")
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["service", "month"], name="booking_open_month_once"),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="booking_open_month_first_day"
            ),
        ]

    def __str__(self):
        return f"{self.service} {self.month:%m/%Y}"


class DeadlineRule(models.Model):
    """When a day stops being bookable (or cancellable)."""

    class Action(models.TextChoices):
        BOOK = "book", _("réservation")
        CANCEL = "cancel", _("annulation")

    class Kind(models.TextChoices):
        DAYS_BEFORE = "days_before", _("N jours avant, à une heure")
        PREVIOUS_WEEK = "previous_week", _("un jour de la semaine précédente, à une heure")

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="deadlines", verbose_name=_("service")
    )
    action = models.CharField(_("pour"), max_length=10, choices=Action.choices)
    kind = models.CharField(_("règle"), max_length=20, choices=Kind.choices)
    days_before = models.PositiveSmallIntegerField(_("jours avant"), default=2)
    business_days_only = models.BooleanField(
        _("jours ouvrés seulement"),
        default=True,
        help_text=_("Ne compte ni les week-ends ni les jours fériés."),
    )
    weekday = models.PositiveSmallIntegerField(
        _("jour de la semaine précédente"), choices=WEEKDAY_CHOICES, default=3
    )
    at_time = models.TimeField(_("à"))

    class Meta:
        verbose_name = _("délai")
        verbose_name_plural = _("délais")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "action"], name="booking_one_rule_per_action"
            )
        ]

    def __str__(self):
        if self.kind == self.Kind.DAYS_BEFORE:
            unit = _("jours ouvrés") if self.business_days_only else _("jours")
            return f"J-{self.days_before} {unit} {self.at_time:%H:%M}"
        return f"{self.get_weekday_display()} {self.at_time:%H:%M}"


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
    service = models.ForeignKey(Service, on_delete=models.PROTECT, verbose_name=_("service"))
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

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("commande")
    )
    child = models.ForeignKey("portal.Child", on_delete=models.PROTECT, verbose_name=_("enfant"))
    meal_kind = models.ForeignKey(
        MealKind, on_delete=models.PROTECT, verbose_name=_("type de repas")
    )
    day = models.DateField(_("jour"))
    action = models.CharField(_("opération"), max_length=10, choices=Action.choices)
    unit_price = models.DecimalField(_("tarif"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("ligne de commande")
        verbose_name_plural = _("lignes de commande")
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
    meal_kind = models.ForeignKey(MealKind, on_delete=models.PROTECT, verbose_name=_("repas"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    day = models.DateField(_("jour"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices)
    unit_price = models.DecimalField(_("tarif"), max_digits=8, decimal_places=2)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("commande")
    )
    cancelled_by_order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancellations",
        verbose_name=_("annulée par la commande"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

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


class WaitingRequest(models.Model):
    """A family in line for a full day ("liste d'attente"): served in the order of the
    requests (created_at, then id). WAITING in line; OFFERED: a place freed and is kept for
    the family until `offered_until` (prepaid); PROMOTED: a place freed and the meal is being
    booked (post-paid, booking/services/waiting.py); then BOOKED, LEFT, EXPIRED or CLOSED."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("en attente")
        OFFERED = "offered", _("place proposée")
        PROMOTED = "promoted", _("place attribuée")
        BOOKED = "booked", _("réservé")
        LEFT = "left", _("retiré")
        EXPIRED = "expired", _("délai dépassé")
        CLOSED = "closed", _("jour fermé")

    household = models.ForeignKey(
        "portal.Household", on_delete=models.CASCADE, verbose_name=_("foyer")
    )
    child = models.ForeignKey("portal.Child", on_delete=models.CASCADE, verbose_name=_("enfant"))
    meal_kind = models.ForeignKey(MealKind, on_delete=models.CASCADE, verbose_name=_("repas"))
    site = models.ForeignKey(Site, on_delete=models.CASCADE, verbose_name=_("site"))
    day = models.DateField(_("jour"))
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    offered_at = models.DateTimeField(_("place libérée le"), null=True, blank=True)
    offered_until = models.DateTimeField(_("place gardée jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("demande de liste d'attente")
        verbose_name_plural = _("liste d'attente")
        ordering = ["site", "day", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "meal_kind", "day"],
                condition=models.Q(status__in=["waiting", "offered", "promoted"]),
                name="booking_waiting_once",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "day", "status"], name="booking_wait_site_day"),
            models.Index(fields=["status", "offered_until"], name="booking_wait_expiry"),
        ]

    def __str__(self):
        return f"{self.child} {self.meal_kind} {self.day:%d/%m/%Y}"
