"""A migration running Python: each schema writes a row naming itself."""

from django.db import migrations


def name_the_schema(apps, schema_editor):
    apps.get_model("migtest", "Sample").objects.create(name=schema_editor.connection.schema_name)


class Migration(migrations.Migration):
    dependencies = [("migtest", "0001_initial")]

    operations = [migrations.RunPython(name_the_schema, migrations.RunPython.noop)]
