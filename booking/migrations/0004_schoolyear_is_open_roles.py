"""A school year may be prepared before it opens; a closure counts the families credited; the rights to prepare it, to declare a
closure (Agent) and to send reminders (ledger, Régisseur) given to the roles."""

from django.db import migrations, models


def sync(apps, schema_editor):
    from portal.roles import sync_roles

    sync_roles(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0003_closure_audit_and_price_ceiling"),
        ("ledger", "0005_reminder"),
        ("portal", "0002_staff_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="schoolyear",
            name="is_open",
            field=models.BooleanField(default=True, verbose_name="ouverte"),
        ),
        migrations.AddField(
            model_name="closure",
            name="families",
            field=models.PositiveIntegerField(default=0, verbose_name="familles créditées"),
        ),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
