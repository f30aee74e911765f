"""Rebuild the template schema new communes are copied from (tenants/schema_template.py).

`migrate` already does it after the communes' pass; this command is for an operator who
wants to check it or force a rebuild.
"""

from django.core.management.base import BaseCommand

from tenants.schema_template import TEMPLATE_SCHEMA, refresh_template


class Command(BaseCommand):
    help = "Rebuild the communes' template schema unless it is current (--force: always)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Rebuild even if current.")

    def handle(self, *args, force=False, **options):
        rebuilt = refresh_template(force=force)
        state = "rebuilt" if rebuilt else "already current"
        self.stdout.write(f"Template schema {TEMPLATE_SCHEMA}: {state}.")
