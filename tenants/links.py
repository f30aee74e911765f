"""Absolute commune URLs where there is no request: Celery tasks, e-mails."""

from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.urls import reverse

from tenants.models import Commune


def commune_path(commune, viewname: str, *, args=None, kwargs=None) -> str:
    return (
        "/"
        + commune.slug
        + reverse(viewname, urlconf=settings.ROOT_URLCONF, args=args, kwargs=kwargs)
    )


def commune_url(commune, viewname: str, *, args=None, kwargs=None, query=None) -> str:
    url = settings.PREAU_BASE_URL + commune_path(commune, viewname, args=args, kwargs=kwargs)
    return url + ("?" + urlencode(query) if query else "")


def current_commune():
    """The commune whose schema the connection is on, or None in the public schema.

    Requests and Celery tasks set the Commune itself; schema_context() only sets a
    stand-in with the schema name, so the commune is then read from the public table.
    """
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Commune):
        return tenant
    return Commune.objects.filter(schema_name=connection.schema_name).first()
