"""Writes on communes: provisioning, suspension."""

import logging

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from notifications.services import queue_email
from tenants.models import Commune, Domain
from tenants.provisioning import administrator_provider
from tenants.slugs import schema_name_for_slug

logger = logging.getLogger(__name__)


def validate_new_commune(*, name: str, slug: str, contact_email: str) -> Commune:
    """Build an unsaved commune and run every check a creation needs, touching nothing."""
    commune = Commune(
        name=name.strip(),
        slug=slug.strip(),
        contact_email=contact_email.strip(),
        schema_name=schema_name_for_slug(slug.strip()),
        title=f"Mairie de {name.strip()}",
    )
    # Uniqueness is checked below, case-insensitively, so that its message names the field.
    commune.full_clean(validate_unique=False, validate_constraints=False)
    if (
        Commune.objects.filter(slug__iexact=commune.slug).exists()
        or Commune.objects.filter(schema_name=commune.schema_name).exists()
    ):
        raise ValidationError(
            {"slug": _("Une commune utilise déjà l'adresse « %(slug)s ».") % {"slug": slug}}
        )
    return commune


def validate_admin_email(admin_email: str) -> str:
    """The first administrator's address, cleaned; a ValidationError on `admin_email`."""
    try:
        return administrator_provider().check_email(admin_email)
    except ValidationError as error:
        raise ValidationError({"admin_email": error.messages}) from error


def create_commune(
    *,
    name: str,
    slug: str,
    contact_email: str,
    admin_email: str,
    postal_address: str = "",
    title: str = "",
):
    """Provision a commune: its schema, its first administrator, and their invitation.

    Everything happens in one transaction, schema creation and migrations included
    (PostgreSQL DDL is transactional), so a failure leaves no half-made schema behind.
    """
    administrators = administrator_provider()
    commune = validate_new_commune(name=name, slug=slug, contact_email=contact_email)
    admin_email = validate_admin_email(admin_email)
    commune.postal_address = postal_address
    if title:
        commune.title = title
    with transaction.atomic():
        commune.save(verbosity=0)
        # Migrating the new schema leaves the connection on it; the rest belongs to public.
        connection.set_schema_to_public()
        Domain.objects.create(domain=commune.slug.lower(), tenant=commune, is_primary=True)
        with schema_context(commune.schema_name):
            invitation_url = administrators.invite(commune, email=admin_email)
        queue_email(
            to=admin_email,
            template="tenants/commune_invitation",
            context={"commune": commune, "invitation_url": invitation_url},
            idempotency_key=f"commune-invitation:{commune.schema_name}",
        )
    logger.info("Provisioned commune %s in schema %s", commune.slug, commune.schema_name)
    return commune


@transaction.atomic
def set_commune_active(commune: Commune, *, active: bool) -> Commune:
    commune = Commune.objects.select_for_update().get(pk=commune.pk)
    commune.is_active = active
    commune.save(update_fields=["is_active"])
    return commune
