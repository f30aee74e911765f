"""The service's catalogue: Service, MealKind + Price, Site + SiteDay (capacity, the lock
row), PlanningGroup. Imported by booking.models, the app's one models path."""

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ledger.money import format_euros

WEEKDAY_CHOICES = [
    (0, _("lundi")),
    (1, _("mardi")),
    (2, _("mercredi")),
    (3, _("jeudi")),
    (4, _("vendredi")),
    (5, _("samedi")),
    (6, _("dimanche")),
]


class BillingMode(models.TextChoices):
    PREPAID = "prepaid", _("prépayé")
    POSTPAID = "monthly", _("facturé au mois")


class BillingBasis(models.TextChoices):
    RESERVATIONS = "reservations", _("réservations")
    ATTENDANCE = "attendance", _("présences")


class Service(models.Model):
    """A periscolar service families book: "Restaurant scolaire", later ALSH..."""

    name = models.CharField(_("nom"), max_length=100)
    code = models.SlugField(
        _("code"),
        max_length=10,
        unique=True,
        help_text=_("Court, sans espace : il préfixe les références de paiement (cant)."),
    )
    invoice_title = models.CharField(
        _("titre des factures"), max_length=150, default="Service de Restauration Scolaire"
    )
    invoice_observations = models.TextField(_("observations des factures"), blank=True)
    price_ceiling = models.DecimalField(
        _("tarif maximal (€)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("30.00"),
        help_text=_("Un tarif saisi au-dessus est refusé (protège des fautes de frappe)."),
    )
    is_active = models.BooleanField(_("ouvert aux familles"), default=True)
    # Attendance (booking/services/attendance.py): what a meal eaten without reservation
    # costs, how long a family has to justify an absence, when the register closes itself.
    unbooked_meal_price = models.DecimalField(
        _("tarif repas non réservé (€)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Vide : un repas pris sans réservation n'est pas facturé."),
    )
    justification_delay_hours = models.PositiveSmallIntegerField(
        _("délai de justification d'une absence (heures)"),
        default=48,
        help_text=_("Compté depuis la fin du jour de l'absence."),
    )
    attendance_close_time = models.TimeField(
        _("clôture automatique du pointage à"),
        null=True,
        blank=True,
        help_text=_("Vide : le pointage n'est clos que par un agent."),
    )
    # Billing (booking/billing_modes.py): prepaid (pay or spend credit to book, today's
    # flow) or post-paid (book freely, a monthly invoice per household, booking/invoicing.py).
    billing_mode = models.CharField(
        _("mode de facturation"),
        max_length=10,
        choices=BillingMode.choices,
        default=BillingMode.PREPAID,
    )
    billing_basis = models.CharField(
        _("facturation mensuelle d'après"),
        max_length=12,
        choices=BillingBasis.choices,
        default=BillingBasis.RESERVATIONS,
        help_text=_("Pour un service facturé au mois : les réservations ou les présences."),
    )
    open_in_school_holidays = models.BooleanField(
        _("ouvert pendant les vacances scolaires"),
        default=False,
        help_text=_(
            "Un accueil de loisirs (ALSH) : servi du lundi au vendredi pendant les vacances "
            "scolaires de l'année scolaire, et les jours du planning le reste du temps."
        ),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    waiting_hold_hours = models.PositiveSmallIntegerField(
        _("place gardée (heures)"),
        default=24,
        help_text=_(
            "Liste d'attente : durée pendant laquelle une place libérée est gardée pour la "
            "famille suivante, le temps qu'elle la paie."
        ),
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    @property
    def is_postpaid(self) -> bool:
        return self.billing_mode == BillingMode.POSTPAID


class MealKind(models.Model):
    """ "Repas" (on the planning's days) or "Repas exceptionnel" (on explicit dates)."""

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="meal_kinds", verbose_name=_("service")
    )
    name = models.CharField(_("nom"), max_length=100)
    tab_label = models.CharField(_("libellé de l'onglet"), max_length=100)
    is_exceptional = models.BooleanField(
        _("exceptionnel"),
        default=False,
        help_text=_("Servi seulement aux dates exceptionnelles saisies, avec son propre tarif."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("type de repas")
        verbose_name_plural = _("types de repas")
        ordering = ["service", "position", "name"]

    def __str__(self):
        return self.name


class Price(models.Model):
    meal_kind = models.ForeignKey(
        MealKind, on_delete=models.PROTECT, related_name="prices", verbose_name=_("repas")
    )
    amount = models.DecimalField(_("tarif (€)"), max_digits=8, decimal_places=2)
    valid_from = models.DateField(_("à partir du"))
    valid_until = models.DateField(_("jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("tarif")
        verbose_name_plural = _("tarifs")
        ordering = ["meal_kind", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="booking_price_positive"
            ),
            models.UniqueConstraint(
                fields=["meal_kind", "valid_from"], name="booking_price_one_per_start"
            ),
        ]

    def __str__(self):
        return f"{self.meal_kind} {format_euros(self.amount)} ({self.valid_from:%d/%m/%Y})"

    def clean(self):
        service = getattr(getattr(self, "meal_kind", None), "service", None)
        if service is not None and self.amount is not None and self.amount > service.price_ceiling:
            raise ValidationError(
                {
                    "amount": _(
                        "%(amount)s dépasse le tarif maximal du service (%(ceiling)s) : "
                        "vérifiez la saisie, ou relevez le tarif maximal du service."
                    )
                    % {
                        "amount": format_euros(self.amount),
                        "ceiling": format_euros(service.price_ceiling),
                    }
                }
            )


class Site(models.Model):
    """A school canteen, with its number of places a day."""

    name = models.CharField(_("nom"), max_length=100)
    default_capacity = models.PositiveIntegerField(_("places par jour"), default=120)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self):
        return self.name


class SiteDay(models.Model):
    """One row per site and day that has been booked or overridden: its lock serialises the
    last places, and its optional capacity overrides the site's default."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("jour"))
    capacity = models.PositiveIntegerField(
        _("places (exception)"), null=True, blank=True, help_text=_("Vide : places du site.")
    )

    class Meta:
        verbose_name = _("places d'un jour")
        verbose_name_plural = _("places par jour (exceptions)")
        ordering = ["site", "day"]
        constraints = [models.UniqueConstraint(fields=["site", "day"], name="booking_site_day")]

    def __str__(self):
        return f"{self.site} {self.day:%d/%m/%Y}"


class PlanningGroup(models.Model):
    """Children who eat on the same weekdays ("Maternelle", "Élémentaire", a class)."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES),
        verbose_name=_("jours de repas"),
        help_text=_("0 = lundi … 4 = vendredi"),
    )

    class Meta:
        verbose_name = _("groupe de planning")
        verbose_name_plural = _("groupes de planning")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PriceBracket(models.Model):
    """One bracket of a price's quotient familial grid: households whose QF is at most
    `qf_max` (the lowest such bracket) pay `amount`; the bracket without `qf_max` takes
    every QF above the others. With no QF known, the highest amount of the grid applies."""

    price = models.ForeignKey(
        Price, on_delete=models.CASCADE, related_name="brackets", verbose_name=_("tarif")
    )
    qf_max = models.DecimalField(
        _("QF jusqu'à"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(_("tarif (€)"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("tranche de quotient familial")
        verbose_name_plural = _("tranches de quotient familial")
        ordering = [models.F("qf_max").asc(nulls_last=True)]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="booking_bracket_positive"
            ),
            models.UniqueConstraint(fields=["price", "qf_max"], name="booking_bracket_one_max"),
        ]

    def __str__(self):
        return f"{self.price} ≤ {self.qf_max}" if self.qf_max is not None else f"{self.price} >"
