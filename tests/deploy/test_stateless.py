"""A web node keeps nothing a user needs on its own disk: sessions and stored files are in
PostgreSQL, so any node can serve any request (the multi-node test kills one)."""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends import db
from django.db import models


def test_sessions_are_stored_in_the_database():
    # Django's database store; portal.accounts.sessions reads its row (and user) its own way.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert issubclass(store, db.SessionStore)
    assert store.delete is db.SessionStore.delete and store.create is db.SessionStore.create
    # CSRF tokens ride in the browser's per-commune cookie (no session row for anonymous
    # pages): nothing on a node either, any node checks them.
    assert settings.CSRF_USE_SESSIONS is False
    assert "tenants.middleware.CommuneCsrfCookieMiddleware" in settings.MIDDLEWARE


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
