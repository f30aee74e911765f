"""A child's health data (RGPD art. 9): diet, food allergies and PAI, as a parent declared them
and as the commune validated them, and each staff view of them. Imported by portal.models,
the app's one models path."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Diet(models.TextChoices):
    NONE = "", _("aucun régime particulier")
    NO_PORK = "no_pork", _("sans porc")
    NO_MEAT = "no_meat", _("sans viande")
    VEGETARIAN = "vegetarian", _("végétarien")


class Allergen(models.TextChoices):
    """The 14 allergens the food labelling rules name (règlement INCO, annexe II)."""

    GLUTEN = "gluten", _("gluten")
    CRUSTACEANS = "crustaceans", _("crustacés")
    EGGS = "eggs", _("œufs")
    FISH = "fish", _("poisson")
    PEANUTS = "peanuts", _("arachide")
    SOY = "soy", _("soja")
    MILK = "milk", _("lait")
    NUTS = "nuts", _("fruits à coque")
    CELERY = "celery", _("céleri")
    MUSTARD = "mustard", _("moutarde")
    SESAME = "sesame", _("sésame")
    SULPHITES = "sulphites", _("sulfites")
    LUPIN = "lupin", _("lupin")
    MOLLUSCS = "molluscs", _("mollusques")


class HealthFields(models.Model):
    """Diet, food allergies and PAI of a child: health data (RGPD art. 9)."""

    diet = models.CharField(_("régime"), max_length=12, choices=Diet.choices, blank=True)
    allergens = ArrayField(
        models.CharField(max_length=12, choices=Allergen.choices),
        default=list,
        blank=True,
        verbose_name=_("allergies alimentaires"),
    )
    allergies_other = models.CharField(_("autres allergies"), max_length=300, blank=True)
    pai = models.BooleanField(_("PAI (projet d'accueil individualisé)"), default=False)
    pai_end = models.DateField(_("fin du PAI"), null=True, blank=True)

    class Meta:
        abstract = True

    def allergen_labels(self) -> list[str]:
        labels = dict(Allergen.choices)
        return [str(labels.get(code, code)) for code in self.allergens]

    def health_values(self) -> dict:
        return {
            "diet": self.diet,
            "allergens": list(self.allergens),
            "allergies_other": self.allergies_other,
            "pai": self.pai,
            "pai_end": self.pai_end,
        }


class HealthDeclaration(HealthFields):
    """What a parent declared for a child, until the commune validates or refuses it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("à valider")
        VALIDATED = "validated", _("validée")
        REFUSED = "refused", _("refusée")
        REPLACED = "replaced", _("remplacée par une déclaration plus récente")

    child = models.ForeignKey(
        "portal.Child",
        on_delete=models.PROTECT,
        related_name="health_declarations",
        verbose_name=_("enfant"),
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("déclarée par"),
    )
    declared_at = models.DateTimeField(_("déclarée le"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traitée par"),
    )
    reviewed_at = models.DateTimeField(_("traitée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("déclaration santé (régime, allergies, PAI)")
        verbose_name_plural = _("déclarations santé (régimes, allergies, PAI)")
        ordering = ["-declared_at", "-pk"]
        indexes = [models.Index(fields=["status", "declared_at"], name="portal_health_status")]

    def __str__(self):
        return f"{self.child} — {self.declared_at:%d/%m/%Y}"


class ChildHealth(HealthFields):
    """The child's health data as the commune validated it: the only one the kitchen and the
    attendance page read."""

    child = models.OneToOneField(
        "portal.Child", on_delete=models.CASCADE, related_name="health", verbose_name=_("enfant")
    )
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("validée par"),
    )
    validated_at = models.DateTimeField(_("validée le"))

    class Meta:
        verbose_name = _("santé validée d'un enfant")
        verbose_name_plural = _("santé validée des enfants")

    def __str__(self):
        return str(self.child)

    def pai_active(self, day) -> bool:
        return self.pai and (self.pai_end is None or self.pai_end >= day)


class HealthDataAccess(models.Model):
    """One staff view of a child's health data: who, when, which child, which page."""

    accessed_at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    viewer_name = models.CharField(_("nom de l'agent"), max_length=300, blank=True)
    child = models.ForeignKey(
        "portal.Child", on_delete=models.CASCADE, related_name="+", verbose_name=_("enfant")
    )
    page = models.CharField(_("page"), max_length=200)

    class Meta:
        verbose_name = _("consultation de données de santé")
        verbose_name_plural = _("consultations de données de santé")
        ordering = ["-accessed_at", "-pk"]
        indexes = [models.Index(fields=["child", "-accessed_at"], name="portal_health_access")]

    def __str__(self):
        return f"{self.accessed_at:%d/%m/%Y %H:%M} — {self.viewer_name} — {self.child}"
