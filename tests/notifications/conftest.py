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
