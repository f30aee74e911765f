"""The "Nous contacter" inbox: status, handler, reply through the outbox, journal rows."""

import pytest
from django.core.exceptions import ValidationError

from notifications.models import OutboxEmail
from portal import messages
from portal.journal import journal_entries
from portal.models import ContactMessage
from portal.services import send_contact_message
from tests.factories import UserFactory


@pytest.fixture
def agent(in_clairoix):
    return UserFactory(
        email="agent@clairoix.test", first_name="Annie", last_name="AGENT", is_staff=True
    )


@pytest.fixture
def message(blanchard):
    sent = send_contact_message(
        household=blanchard.household, author=blanchard.user, subject="Allergie", body="Maxime."
    )
    OutboxEmail.objects.all().delete()
    return sent


def _entries(household_id):
    return list(journal_entries(household_id=household_id))


def test_a_new_message_is_nouveau_with_nobody_handling_it(message):
    assert (message.status, message.handled_by) == (ContactMessage.Status.NEW, None)
    assert messages.inbox_counts() == messages.InboxCounts(new=1, in_progress=0, done=0)
    assert messages.inbox(status="new") == [message]
    assert messages.inbox(status="done") == []


def test_taking_a_message_records_who_and_a_journal_row(message, agent):
    messages.message_set_status(actor=agent, message_id=message.pk, status="in_progress")
    message.refresh_from_db()
    assert message.status == "in_progress" and message.handled_by == agent
    assert message.handled_at is not None
    [entry] = _entries(message.household_id)
    assert entry.actor == agent and entry.action == "message.status"
    assert "nouveau → en cours" in entry.summary


def test_back_to_nouveau_forgets_the_handler(message, agent):
    messages.message_set_status(actor=agent, message_id=message.pk, status="in_progress")
    messages.message_set_status(actor=agent, message_id=message.pk, status="new")
    message.refresh_from_db()
    assert (message.status, message.handled_by, message.handled_at) == ("new", None, None)


def test_an_unknown_status_changes_nothing(message, agent):
    with pytest.raises(ValidationError):
        messages.message_set_status(actor=agent, message_id=message.pk, status="archived")
    message.refresh_from_db()
    assert message.status == "new" and not _entries(message.household_id)


def test_a_reply_goes_to_the_parent_through_the_outbox_and_is_kept(message, agent, blanchard):
    reply = messages.message_reply(
        actor=agent, message_id=message.pk, body="Nous avons noté l'allergie de Maxime."
    )
    email = OutboxEmail.objects.get()
    assert email.to_email == "bertrand.blanchard@example.org"
    assert email.reply_to == "mairie@clairoix.test"
    assert email.subject == "Re : Allergie"
    assert "Nous avons noté l'allergie de Maxime." in email.body_text
    assert reply.outbox_id == email.pk and reply.sent_to == email.to_email
    shown = messages.message_for_staff(message_id=message.pk)
    assert [r.body for r in shown.replies.all()] == ["Nous avons noté l'allergie de Maxime."]
    assert shown.status == "done" and shown.handled_by == agent
    [entry] = _entries(message.household_id)
    assert entry.action == "message.reply" and entry.details["outbox_id"] == email.pk


def test_a_reply_may_keep_the_message_open(message, agent):
    messages.message_reply(
        actor=agent, message_id=message.pk, body="Je me renseigne.", keep_open=True
    )
    message.refresh_from_db()
    assert message.status == "in_progress"


@pytest.mark.parametrize("body", ["", "   ", "x" * (messages.REPLY_MAX_LENGTH + 1)])
def test_an_empty_or_huge_reply_sends_nothing(message, agent, body):
    with pytest.raises(ValidationError):
        messages.message_reply(actor=agent, message_id=message.pk, body=body)
    assert not OutboxEmail.objects.exists()
    assert not message.replies.exists() and not _entries(message.household_id)


def test_a_reply_to_a_missing_message_is_refused(in_clairoix, agent):
    with pytest.raises(ValidationError):
        messages.message_reply(actor=agent, message_id=999999, body="Bonjour")
    assert not OutboxEmail.objects.exists()


def test_the_same_reply_posted_twice_is_kept_and_sent_once(message, agent):
    token = messages.reply_token()
    first, second = (
        messages.message_reply(actor=agent, message_id=message.pk, body="Bien noté.", token=token)
        for _ in range(2)
    )
    assert first == second
    assert message.replies.count() == 1 and OutboxEmail.objects.count() == 1
