"""The commune's staff roles (Administrateur, Régisseur, Agent, Lecture) as groups.

Their permissions come from portal/roles.py; the same sync runs after every migrate."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from portal.roles import sync_roles

    sync_roles(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("booking", "0001_initial"),
        ("ledger", "0003_document_kinds"),
        ("tipi", "0001_initial"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
