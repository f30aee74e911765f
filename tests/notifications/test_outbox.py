from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from notifications import services
from notifications.models import OutboxEmail
from notifications.tasks import send_outbox_email


def queue_test_email(**overrides):
    return services.queue_email(
        to=overrides.pop("to", "parent@example.org"),
        template="tenants/commune_invitation",
        context={"commune": overrides.pop("commune"), "invitation_url": "http://x/lien"},
        **overrides,
    )


def test_email_queued_in_a_rolled_back_transaction_is_never_written_nor_sent(
    in_clairoix, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            queue_test_email(commune=in_clairoix)
            raise RuntimeError("the change that caused the e-mail failed")
    assert callbacks == []
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


def test_queued_email_is_sent_once_even_when_the_task_is_delivered_twice(in_clairoix):
    email = queue_test_email(commune=in_clairoix, reply_to="famille@example.org")
    send_outbox_email.apply(args=[email.pk])
    send_outbox_email.apply(args=[email.pk])

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["parent@example.org"] and sent.reply_to == ["famille@example.org"]
    assert "Clairoix" in sent.subject
    assert sent.alternatives[0][1] == "text/html"
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT and email.attempts == 1


def test_same_idempotency_key_queues_one_email(in_clairoix):
    first = queue_test_email(commune=in_clairoix, idempotency_key="order-7")
    second = queue_test_email(commune=in_clairoix, idempotency_key="order-7")
    assert first.pk == second.pk
    assert OutboxEmail.objects.count() == 1


class BrokenSmtp:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


@override_settings(EMAIL_BACKEND="tests.notifications.test_outbox.BrokenSmtp")
def test_failed_send_is_retried_with_back_off_then_marked_failed(in_clairoix):
    email = queue_test_email(commune=in_clairoix)
    before = timezone.now()
    delay = services.deliver_outbox_email(email.pk)
    email.refresh_from_db()
    assert delay == timedelta(seconds=30)
    assert email.status == OutboxEmail.Status.PENDING
    assert email.next_attempt_at >= before + timedelta(seconds=30)
    assert "smtp down" in email.last_error

    delays = [services.deliver_outbox_email(email.pk) for _ in range(services.MAX_ATTEMPTS - 1)]
    assert delays[:3] == [timedelta(minutes=2), timedelta(minutes=8), timedelta(minutes=32)]
    assert delays[-1] is None
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    assert email.attempts == services.MAX_ATTEMPTS


def test_sweeper_finds_only_rows_left_pending_too_long(in_clairoix):
    old = queue_test_email(commune=in_clairoix, to="old@example.org")
    fresh = queue_test_email(commune=in_clairoix, to="fresh@example.org")
    OutboxEmail.objects.filter(pk=old.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=10)
    )
    assert services.stale_pending_ids() == [old.pk]
    assert fresh.pk not in services.stale_pending_ids()


def test_commune_back_office_lists_the_outbox_with_statuses(client, in_clairoix):
    from tests.factories import PASSWORD, UserFactory

    UserFactory(email="agent@clairoix.test", is_staff=True, is_superuser=True)
    queue_test_email(commune=in_clairoix, to="a-envoyer@example.org")
    client.post("/Clairoix/admin/login/", {"username": "agent@clairoix.test", "password": PASSWORD})
    page = client.get("/Clairoix/admin/notifications/outboxemail/").content.decode()
    assert "a-envoyer@example.org" in page
    assert "en attente" in page
