"""A one-column migration: a column with a default and an index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("migtest", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="sample",
            name="code",
            field=models.CharField(max_length=10, default="", db_index=True),
        ),
    ]
