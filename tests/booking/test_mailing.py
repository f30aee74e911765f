"""« Écrire aux familles »: the selection, the preview, the sending through the outbox."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking.mailing import (
    Selection,
    mailing_preview,
    mailing_recipients,
    mailing_send,
    sending_report,
)
from booking.models import Enrolment, Order, Reservation
from notifications.models import OutboxEmail
from portal.journal import journal_entries
from tests.factories import UserFactory
from tests.ledger.factories import invoice, meal
from tests.portal.factories import GuardianFactory


@pytest.fixture
def agent(in_clairoix):
    return UserFactory(email="agent@clairoix.test", last_name="AGENT", is_staff=True)


@pytest.fixture
def families(canteen, blanchard, dupont):
    """BLANCHARD (two guardians) enrolled in the canteen; DUPONT's Zoé at the nursery group."""
    GuardianFactory(household=blanchard.household, rank=2, user__email="sophie@example.org")
    zoe = dupont.household.children.get()
    Enrolment.objects.create(
        child=zoe, service=canteen.service, site=canteen.site, planning_group=canteen.nursery
    )
    return canteen


def _emails(**selection):
    return [r.email for r in mailing_recipients(selection=Selection(**selection))]


def test_the_selection_narrows_on_every_criterion(families, blanchard, dupont):
    everyone = ["bertrand.blanchard@example.org", "sophie@example.org", "anne.dupont@example.org"]
    assert _emails() == everyone
    assert _emails(service=families.service) == everyone
    assert _emails(site=families.site, planning_group=families.elementary) == everyone[:2]
    # Léa (BLANCHARD) is in the nursery group too.
    assert _emails(planning_group=families.nursery) == everyone


def test_a_days_reservations_and_households_in_debit(families, blanchard, dupont):
    day = families.months[0] + datetime.timedelta(days=7)
    order = Order.objects.create(
        household=dupont.household,
        service=families.service,
        created_by=dupont.user,
        expires_at=timezone.now(),
        status=Order.Status.VALIDATED,
    )
    Reservation.objects.create(
        child=dupont.household.children.get(),
        meal_kind=families.meal,
        site=families.site,
        day=day,
        status=Reservation.Status.CONFIRMED,
        unit_price="4.70",
        order=order,
    )
    assert _emails(day=day) == ["anne.dupont@example.org"]
    assert _emails(day=day + datetime.timedelta(days=1)) == []
    invoice(blanchard, [meal(families.maxime, day)])
    assert _emails(in_debit=True) == ["bertrand.blanchard@example.org", "sophie@example.org"]
    assert _emails(in_debit=True, day=day) == []


def test_preview_writes_nothing_and_counts_recipients(families):
    preview = mailing_preview(
        selection=Selection(service=families.service), subject="Sortie", body="Pique-nique jeudi."
    )
    assert preview.subject == "Sortie" and "Pique-nique jeudi." in preview.body_text
    assert (preview.count, preview.household_count) == (3, 2)
    assert not OutboxEmail.objects.exists()


def test_sending_queues_one_email_per_address_with_its_journal_row(families, agent):
    entry = mailing_send(
        actor=agent,
        selection=Selection(planning_group=families.elementary),
        subject="Sortie",
        body="Pique-nique jeudi.",
        expected_count=2,
    )
    sent = OutboxEmail.objects.order_by("pk")
    assert [e.to_email for e in sent] == ["bertrand.blanchard@example.org", "sophie@example.org"]
    assert all(e.subject == "Sortie" for e in sent)
    assert entry.action == "mailing.send" and entry.details["outbox_ids"] == [e.pk for e in sent]
    assert entry in list(journal_entries(action="mailing.send"))
    sent.filter(to_email="sophie@example.org").update(status="failed", last_error="550 unknown")
    report = sending_report(entry=entry)
    assert (report.total, report.sent, report.pending) == (2, 0, 1)
    assert [e.to_email for e in report.failed] == ["sophie@example.org"]


def test_a_changed_selection_or_bad_text_sends_nothing(families, agent):
    selection = Selection(service=families.service)
    with pytest.raises(ValidationError):
        mailing_send(actor=agent, selection=selection, subject="A", body="B", expected_count=2)
    with pytest.raises(ValidationError):
        mailing_send(actor=agent, selection=selection, subject=" ", body="B")
    with pytest.raises(ValidationError):
        mailing_send(
            actor=agent, selection=Selection(day=datetime.date(2000, 1, 3)), subject="A", body="B"
        )
    assert not OutboxEmail.objects.exists()


def test_the_same_sending_posted_twice_is_sent_once(families, agent):
    preview = mailing_preview(
        selection=Selection(service=families.service), subject="Sortie", body="Pique-nique."
    )
    first, second = (
        mailing_send(
            actor=agent,
            selection=Selection(service=families.service),
            subject="Sortie",
            body="Pique-nique.",
            expected_count=preview.count,
            token=preview.token,
        )
        for _ in range(2)
    )
    assert first == second
    assert OutboxEmail.objects.count() == 3
    assert len(list(journal_entries(action="mailing.send"))) == 1
