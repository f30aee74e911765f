"""Attendance ("pointage"): who was at the canteen, the day's closing, the absences a family
or an agent justified, with the certificate kept in the database (several web nodes read
it). Imported by booking.models, the app's one models path."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from booking.service_models import MealKind, Service, Site


class AttendanceDay(models.Model):
    """A site's register for a day: "clos" once the agent (or the hour) closed it. Its row is
    also the lock every writer of that day's register takes."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, verbose_name=_("service"))
    site = models.ForeignKey(Site, on_delete=models.CASCADE, verbose_name=_("site"))
    day = models.DateField(_("jour"))
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clos par"),
    )

    class Meta:
        verbose_name = _("pointage d'un jour")
        verbose_name_plural = _("pointages des jours")
        ordering = ["-day", "site"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "site", "day"], name="booking_attendance_day_once"
            )
        ]

    def __str__(self):
        return f"{self.site} {self.day:%d/%m/%Y}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Attendance(models.Model):
    """One child's presence (or absence) at a meal of a day, as the agent tapped it."""

    child = models.ForeignKey("portal.Child", on_delete=models.PROTECT, verbose_name=_("enfant"))
    meal_kind = models.ForeignKey(MealKind, on_delete=models.PROTECT, verbose_name=_("repas"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name=_("site"))
    day = models.DateField(_("jour"))
    present = models.BooleanField(_("présent"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("pointé par"),
    )
    recorded_at = models.DateTimeField(_("pointé le"), auto_now=True)
    # The "débit sans réservation" that billed this meal, once the day is closed.
    billed_document_id = models.BigIntegerField(_("débit sans réservation"), null=True, blank=True)

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        ordering = ["day", "child"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "meal_kind", "day"], name="booking_attendance_once"
            )
        ]
        indexes = [models.Index(fields=["site", "day"], name="booking_attendance_site_day")]

    def __str__(self):
        return f"{self.child} {self.day:%d/%m/%Y} {'P' if self.present else 'A'}"


class JustificationFile(models.Model):
    """A certificate a family (or an agent) gave, kept with the household in the database."""

    household = models.ForeignKey(
        "portal.Household", on_delete=models.CASCADE, verbose_name=_("foyer")
    )
    filename = models.CharField(_("nom du fichier"), max_length=150)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("taille (octets)"))
    data = models.BinaryField(_("contenu"))
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("justificatif")
        verbose_name_plural = _("justificatifs")

    def __str__(self):
        return self.filename


class AbsenceJustification(models.Model):
    """Why a child was absent on a day. Accepted within the service's delay (or later by a
    Régisseur, with a reason): the booked meal of that day is credited, once."""

    class Reason(models.TextChoices):
        ILLNESS = "illness", _("maladie (avec certificat)")
        SCHOOL_TRIP = "school_trip", _("sortie scolaire")
        STRIKE = "strike", _("grève")

    household = models.ForeignKey(
        "portal.Household", on_delete=models.CASCADE, verbose_name=_("foyer")
    )
    child = models.ForeignKey("portal.Child", on_delete=models.PROTECT, verbose_name=_("enfant"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, verbose_name=_("service"))
    day = models.DateField(_("jour"))
    reason = models.CharField(_("motif"), max_length=20, choices=Reason.choices)
    comment = models.CharField(_("précision"), max_length=300, blank=True)
    file = models.ForeignKey(
        JustificationFile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="justifications",
        verbose_name=_("justificatif"),
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("déclaré par"),
    )
    declared_at = models.DateTimeField(_("déclaré le"))
    late_reason = models.CharField(_("motif d'acceptation hors délai"), max_length=300, blank=True)
    credit_note_id = models.BigIntegerField(_("avoir"), null=True, blank=True)

    class Meta:
        verbose_name = _("absence justifiée")
        verbose_name_plural = _("absences justifiées")
        ordering = ["-day", "child"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "service", "day"], name="booking_justification_once"
            )
        ]

    def __str__(self):
        return f"{self.child} {self.day:%d/%m/%Y} {self.get_reason_display()}"
