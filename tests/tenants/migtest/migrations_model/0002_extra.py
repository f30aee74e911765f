"""A migration adding a model: content types, permissions and role groups follow."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("migtest", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Extra",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("label", models.CharField(max_length=20, unique=True)),
            ],
        ),
    ]
