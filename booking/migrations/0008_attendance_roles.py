"""The right to amend a closed register and accept a late absence justification
(Régisseur), and the register itself for the Régisseur, given to the roles."""

from django.db import migrations


def sync(apps, schema_editor):
    from portal.roles import sync_roles

    sync_roles(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0007_attendance"),
        ("portal", "0002_staff_roles"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
