from urllib.parse import urlsplit

import pytest
from django.db import connection

from tests.conftest import TEST_COMMUNES, wipe_schema_data


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Autocommit access, cleaned afterwards: workers have their own connections."""
    from notifications.models import OutboxEmail
    from tenants.models import Commune

    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()
        keep = [spec["slug"] for spec in TEST_COMMUNES.values()]
        for commune in Commune.objects.exclude(slug__in=keep):
            commune.delete(force_drop=True)
        OutboxEmail.objects.all().delete()
        for commune in Commune.objects.all():
            wipe_schema_data(commune.schema_name)


@pytest.fixture
def broker_at(monkeypatch):
    """Point this process's producer at another broker address (a closed port: Redis down).

    Celery reads $CELERY_BROKER_URL before its own setting, so both are changed; pooled
    connections to the old address are dropped. Restored, and the queue purged, at the end.
    """
    from config.celery import app

    original = app.conf.broker_url

    def point_at(url):
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.broker_url = url
        app.amqp._producer_pool = None
        app._pool = None
        connection = app.connection_for_write()
        assert (connection.hostname, connection.port) == (
            urlsplit(url).hostname,
            urlsplit(url).port,
        )

    yield point_at
    point_at(original)
    app.control.purge()
