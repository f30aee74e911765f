from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import schema_exists

from tenants.node_cache import NodeCache
from tenants.slugs import validate_commune_slug

# The communes by slug, in each web process (tenants.selectors.commune_by_slug).
communes_cache = NodeCache("communes")


class Commune(TenantMixin):
    """A municipality: one PostgreSQL schema, reached at /<slug>/."""

    # django-tenants' fields, repeated only to name them in French.
    schema_name = models.CharField(
        _("schéma PostgreSQL"),
        max_length=63,
        unique=True,
        db_index=True,
        validators=[_check_schema_name],
    )
    name = models.CharField(_("nom"), max_length=100)
    slug = models.CharField(
        _("adresse"),
        max_length=50,
        unique=True,
        validators=[validate_commune_slug],
        help_text=_("Partie de l'adresse du portail : /Les-Ageux/"),
    )
    title = models.CharField(_("titre affiché"), max_length=150, blank=True)
    postal_address = models.TextField(_("adresse postale"), blank=True)
    contact_email = models.EmailField(
        _("e-mail de contact"), help_text=_("Reçoit les avis envoyés par le portail.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("slug"), name="tenants_commune_slug_ci_unique"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        communes_cache.invalidate()

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """A copy of the template schema when it is current, else every migration run."""
        from tenants.schema_template import clone_template

        if sync_schema and not (check_if_exists and schema_exists(self.schema_name)):
            if clone_template(self.schema_name):
                return True
        return super().create_schema(
            check_if_exists=check_if_exists, sync_schema=sync_schema, verbosity=verbosity
        )

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        communes_cache.invalidate()
        return result

    @property
    def display_title(self) -> str:
        return self.title or f"Mairie de {self.name}"


class Domain(DomainMixin):
    """Required by django-tenants; Préau routes by path, so it only records the slug."""

    domain = models.CharField(_("domaine"), max_length=253, unique=True, db_index=True)
    tenant = models.ForeignKey(
        settings.TENANT_MODEL,
        db_index=True,
        related_name="domains",
        on_delete=models.CASCADE,
        verbose_name=_("commune"),
    )
    is_primary = models.BooleanField(_("principal"), default=True, db_index=True)

    class Meta:
        verbose_name = _("domaine")
        verbose_name_plural = _("domaines")
