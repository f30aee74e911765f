"""A real Celery worker consuming the real Redis broker, on committed data."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from config.celery import app as celery_app
from notifications import services
from notifications.models import OutboxEmail
from tenants import services as tenant_services
from tenants.models import Commune
from tenants.tasks import sweep_outbox

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(committed):
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


def wait_until_sent(email_id, schema_name, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with schema_context(schema_name):
            status = OutboxEmail.objects.get(pk=email_id).status
        if status in (OutboxEmail.Status.SENT, OutboxEmail.Status.FAILED):
            return status
        time.sleep(0.1)
    return OutboxEmail.Status.PENDING


def test_console_invitation_is_delivered_by_a_real_worker(worker):
    mail.outbox.clear()
    tenant_services.create_commune(
        name="Venette",
        slug="Venette",
        contact_email="mairie@venette.test",
        admin_email="admin@venette.test",
    )
    invitation = OutboxEmail.objects.get(to_email="admin@venette.test")
    assert wait_until_sent(invitation.pk, get_public_schema_name()) == OutboxEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [["admin@venette.test"]]
    assert "/Venette/mot-de-passe/choisir/" in mail.outbox[0].body


def test_email_left_pending_while_the_broker_was_down_is_sent_after_the_sweep(
    committed, broker_at, settings
):
    broker_at("redis://127.0.0.1:9/0")  # nothing listens there: Redis is down
    mail.outbox.clear()
    clairoix = Commune.objects.get(slug="Clairoix")
    with schema_context(clairoix.schema_name):
        with transaction.atomic():
            email = services.queue_email(
                to="parent@example.org",
                template="tenants/commune_invitation",
                context={"commune": clairoix, "invitation_url": "http://x"},
            )
        # Committed; the enqueue failed quietly and the row waits.
        assert OutboxEmail.objects.get(pk=email.pk).status == OutboxEmail.Status.PENDING

    broker_at(settings.CELERY_BROKER_URL)
    settings.OUTBOX_STALE_SECONDS = 0
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        assert mail.outbox == []
        assert sweep_outbox() >= 1
        assert wait_until_sent(email.pk, clairoix.schema_name) == OutboxEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [["parent@example.org"]]
