from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.health_models import (  # noqa: F401 - portal.models is the one import path
    Allergen,
    ChildHealth,
    Diet,
    HealthDataAccess,
    HealthDeclaration,
    HealthFields,
)


class Household(models.Model):
    """A family (foyer): its address, home phone and other contacts; guardians and children
    are attached to it, and every parent page is read through it."""

    name = models.CharField(_("nom du foyer"), max_length=150)
    street_number = models.CharField(_("N° rue"), max_length=10, blank=True)
    street_name = models.CharField(_("Nom voie"), max_length=150, blank=True)
    address_complement = models.CharField(_("Complément d'adresse"), max_length=150, blank=True)
    postal_code = models.CharField(_("Code postal"), max_length=5, blank=True)
    other_postal_code = models.CharField(_("Autre code postal"), max_length=20, blank=True)
    city = models.CharField(_("Commune"), max_length=100, blank=True)
    home_phone = models.CharField(_("Domicile"), max_length=25, blank=True)
    other_contact_name = models.CharField(_("Autre personne : nom"), max_length=150, blank=True)
    other_contact_phone = models.CharField(
        _("Autre personne : N° de tél."), max_length=25, blank=True
    )
    other_contact_2_name = models.CharField(_("Autre personne 2 : nom"), max_length=150, blank=True)
    other_contact_2_phone = models.CharField(
        _("Autre personne 2 : N° de tél."), max_length=25, blank=True
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("foyer")
        verbose_name_plural = _("foyers")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Guardian(models.Model):
    """A parent account: the login (accounts.User) plus the guardian's place in a household."""

    class Civility(models.TextChoices):
        MR = "M", _("Monsieur")
        MRS = "MME", _("Madame")

    class Rank(models.IntegerChoices):
        """The manual's "Responsable 1/2"; a household may have more (rank 3, 4...)."""

        FIRST = 1, _("Responsable 1")
        SECOND = 2, _("Responsable 2")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="guardian",
        verbose_name=_("compte"),
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="guardians", verbose_name=_("foyer")
    )
    rank = models.PositiveSmallIntegerField(_("rang"), default=Rank.FIRST)
    civility = models.CharField(_("Civilité"), max_length=3, choices=Civility.choices)
    mobile_phone = models.CharField(_("Portable"), max_length=25, blank=True)
    work_phone = models.CharField(_("Travail"), max_length=25, blank=True)
    work_extension = models.CharField(_("Poste/Service"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("responsable (compte parent)")
        verbose_name_plural = _("responsables (comptes parents)")
        ordering = ["household__name", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "rank"], name="portal_guardian_one_per_rank"
            ),
        ]

    def __str__(self):
        return self.user.get_full_name() or self.user.email

    def get_rank_display(self) -> str:
        return _("Responsable %(rank)s") % {"rank": self.rank}


class Child(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="children", verbose_name=_("foyer")
    )
    last_name = models.CharField(_("nom"), max_length=150)
    first_name = models.CharField(_("prénom"), max_length=150)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    school = models.CharField(_("école"), max_length=150, blank=True)
    class_name = models.CharField(_("classe"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("enfant")
        verbose_name_plural = _("enfants")
        ordering = ["household__name", "birth_date", "first_name"]

    def __str__(self):
        return f"{self.last_name.upper()} {self.first_name}"


class ContactMessage(models.Model):
    """A "Nous contacter" message from a family to the commune, followed in the workspace:
    its status, who handled it, and the replies sent (ContactReply)."""

    class Status(models.TextChoices):
        NEW = "new", _("nouveau")
        IN_PROGRESS = "in_progress", _("en cours")
        DONE = "done", _("traité")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="messages", verbose_name=_("foyer")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("auteur")
    )
    subject = models.CharField(_("sujet"), max_length=150)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    status = models.CharField(_("état"), max_length=12, choices=Status.choices, default=Status.NEW)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traité par"),
    )
    handled_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)

    class Meta:
        verbose_name = _("message « Nous contacter »")
        verbose_name_plural = _("messages « Nous contacter »")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="portal_msg_status")]

    def __str__(self):
        return self.subject


class ContactReply(models.Model):
    """A reply written in the workspace and sent to the parent through the outbox."""

    message = models.ForeignKey(
        ContactMessage, on_delete=models.PROTECT, related_name="replies", verbose_name=_("message")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("auteur"),
    )
    body = models.TextField(_("réponse"))
    sent_to = models.EmailField(_("envoyée à"), max_length=254)
    outbox_id = models.PositiveBigIntegerField(_("e-mail"), null=True, blank=True)
    # From the reply form: the same reply posted twice (a double click) is kept and sent once.
    token = models.CharField(max_length=32, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réponse à un message")
        verbose_name_plural = _("réponses aux messages")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.message} — {self.created_at:%d/%m/%Y %H:%M}"


class ContactDetailsChange(models.Model):
    """What a parent changed in "Vos coordonnées": one row per validation with changes."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="changes", verbose_name=_("foyer")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("auteur")
    )
    # [{"label": "Code postal", "old": "60280", "new": "60200"}, ...]
    changes = models.JSONField(_("modifications"))
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("modification de coordonnées")
        verbose_name_plural = _("modifications de coordonnées")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.household} — {self.created_at:%d/%m/%Y %H:%M}"


class JournalEntry(models.Model):
    """One staff change, who/when/what (portal/journal.py writes it in the change's
    transaction). The actor's name is kept so the row still says who when the account goes."""

    created_at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    actor_name = models.CharField(_("nom de l'agent"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=64)
    summary = models.TextField(_("résumé"))
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="journal_entries",
        verbose_name=_("foyer"),
    )
    details = models.JSONField(_("détails"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des actions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["action", "-created_at"], name="portal_journal_action"),
            models.Index(fields=["household", "-created_at"], name="portal_journal_household"),
        ]

    def __str__(self):
        return f"{self.created_at:%d/%m/%Y %H:%M} — {self.summary}"


class QuotientFamilial(models.Model):
    """A household's quotient familial for a period, with where it comes from. Rows are
    never overwritten: a new value is a new row, so the history stays readable."""

    class Source(models.TextChoices):
        CAF = "caf", _("CAF")
        MSA = "msa", _("MSA")
        TAX = "tax", _("avis d'imposition")

    household = models.ForeignKey(
        Household,
        on_delete=models.CASCADE,
        related_name="quotients",
        verbose_name=_("foyer"),
    )
    value = models.DecimalField(_("quotient familial"), max_digits=8, decimal_places=2)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    valid_from = models.DateField(_("valable du"))
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    class Meta:
        verbose_name = _("quotient familial")
        verbose_name_plural = _("quotients familiaux")
        ordering = ["household", "-valid_from", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=0), name="portal_qf_positive"),
        ]

    def __str__(self):
        return f"{self.household} QF ({self.valid_from:%d/%m/%Y})"

    def covers(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
