"""A worker killed -9 after the SMTP server accepted a message, before its commit.

A real Celery worker process sends to a local SMTP sink (aiosmtpd on a loopback port). The
sink answers 250 to DATA, then holds the QUIT: the worker has handed the message over but
not yet recorded it. The test kills it there, then lets the sweeper and a second worker
finish: the e-mail arrives again, with the same Message-ID, and the row ends "sent".
"""

import asyncio
import email
import email.policy
import os
import signal
import threading

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from notifications import services
from notifications.models import OutboxEmail
from tenants.models import Commune
from tenants.tasks import sweep_outbox
from tests.processes import free_port, start_worker, stop, wait_until

pytestmark = pytest.mark.integration


class Sink:
    """Keeps every message accepted; holds the first session's QUIT until released."""

    def __init__(self):
        self.messages = []
        self.first_accepted = threading.Event()
        self.release = None  # asyncio.Event, made in the server's loop

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        self.first_accepted.set()
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):
        if len(self.messages) == 1:
            self.release = asyncio.Event()
            try:
                await asyncio.wait_for(self.release.wait(), timeout=60)
            except TimeoutError:
                pass
        return "221 Bye"


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(**env):
        process = start_worker(tmp_path / f"worker-{len(started) + 1}.log", **env)
        started.append(process)
        return process

    celery_app.control.purge()
    yield start
    for process in started:
        stop(process)
    celery_app.control.purge()
    for log in sorted(tmp_path.glob("worker-*.log")):
        print(log.name, log.read_text()[-3000:])


def status_of(email_id, schema_name):
    with schema_context(schema_name):
        return OutboxEmail.objects.get(pk=email_id)


def test_a_worker_killed_between_smtp_acceptance_and_commit(committed, smtp_sink, workers):
    sink, port = smtp_sink
    worker_env = {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "OUTBOX_STALE_SECONDS": 1}
    first = workers(**worker_env)
    clairoix = Commune.objects.get(slug="Clairoix")
    with schema_context(clairoix.schema_name), transaction.atomic():
        queued = services.queue_email(
            to="parent@example.org",
            template="tenants/commune_invitation",
            context={"commune": clairoix, "invitation_url": "http://x/lien"},
        )

    assert sink.first_accepted.wait(timeout=90), "the first worker never reached the SMTP sink"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert len(sink.messages) == 1
    # The server has the message; the row honestly says it is not known to be sent.
    row = status_of(queued.pk, clairoix.schema_name)
    assert (row.status, row.attempts, row.sent_at) == (OutboxEmail.Status.SENDING, 1, None)

    workers(**worker_env)
    wait_until(
        lambda: (
            status_of(queued.pk, clairoix.schema_name).claimed_at != row.claimed_at
            or sweep_outbox() < 0
        ),  # the beat's entry point, asked until a worker re-claims
        timeout=90,
        interval=1.5,
        what="the sweeper re-sending the row",
    )
    wait_until(
        lambda: status_of(queued.pk, clairoix.schema_name).status == OutboxEmail.Status.SENT,
        timeout=60,
        what="the row marked sent",
    )

    row = status_of(queued.pk, clairoix.schema_name)
    assert row.attempts == 2 and row.sent_at is not None
    assert len(sink.messages) == 2, "delivered at least once: twice here, never more"
    message_ids = {message["Message-ID"] for message in sink.messages}
    assert message_ids == {services.message_id(row, clairoix.schema_name)}
    print(f"\ndeliveries after the kill: {len(sink.messages)}, Message-IDs: {message_ids}")
