"""Demo data, idempotent: `python manage.py load_demo` any number of times."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import schema_context

from portal.demo import ensure_user
from portal.roles import ADMINISTRATEUR, give_role
from tenants import selectors, services

OPERATOR_EMAIL = "operateur@preau.example"

DEMO_COMMUNES = [
    {
        "name": "Les Ageux",
        "slug": "Les-Ageux",
        "contact_email": "mairie@les-ageux.example",
        "admin_email": "mairie@les-ageux.example",
        "postal_address": "Mairie des Ageux\n1 place de la Mairie\n60700 Les Ageux",
    },
    {
        "name": "Clairoix",
        "slug": "Clairoix",
        "contact_email": "mairie@clairoix.example",
        "admin_email": "mairie@clairoix.example",
        "postal_address": "Mairie de Clairoix\n1 rue de la Mairie\n60280 Clairoix",
    },
]


def demo_loaders():
    """Each app's `demo.load(commune)`, in INSTALLED_APPS order, run inside the commune."""
    loaders = []
    for app_config in apps.get_app_configs():
        if find_spec(f"{app_config.name}.demo") is not None:
            loaders.append(import_module(f"{app_config.name}.demo").load)
    return loaders


class Command(BaseCommand):
    help = "Load Préau's demo communes and accounts (safe to run again)."

    def handle(self, *args, **options):
        with transaction.atomic():
            ensure_user(OPERATOR_EMAIL, is_staff=True, is_superuser=True, first_name="Opérateur")
        for spec in DEMO_COMMUNES:
            commune = selectors.commune_by_slug(spec["slug"])
            if commune is None:
                commune = services.create_commune(**spec)
                self.stdout.write(f"Created commune {commune.name} ({commune.schema_name})")
            with schema_context(commune.schema_name), transaction.atomic():
                administrator = ensure_user(spec["admin_email"], is_staff=True)
                administrator.is_superuser = False
                administrator.save(update_fields=["is_superuser"])
                give_role(administrator, ADMINISTRATEUR)
                for load in demo_loaders():
                    load(commune)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
