"""A web node keeps nothing a user needs on its own disk: sessions and stored files are in
PostgreSQL, so any node can serve any request (the multi-node test kills one)."""

from django.apps import apps
from django.conf import settings
from django.db import models


def test_sessions_are_stored_in_the_database():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.CSRF_USE_SESSIONS is True  # CSRF tokens ride in that session


def test_no_model_stores_a_file_on_disk():
    on_disk = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert on_disk == []
    pdf = apps.get_model("ledger", "DocumentPdf")
    assert isinstance(pdf._meta.get_field("content"), models.BinaryField)
