"""Issue 13, item 6: households in debit, the age of their oldest unpaid invoice, reminders."""

import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from ledger import reminders, unpaid
from ledger.models import Reminder
from notifications.models import OutboxEmail
from portal.journal import journal_entries
from tests.factories import UserFactory
from tests.ledger.factories import at, invoice, meal, payment

D1, D2, D3 = datetime.date(2026, 9, 7), datetime.date(2026, 10, 5), datetime.date(2026, 11, 2)


@pytest.fixture
def regisseur(in_clairoix):
    return UserFactory(email="regie@clairoix.test", first_name="Rémi", last_name="RÉGIE")


@pytest.fixture
def debts(cant, blanchard, dupont, maxime):
    """BLANCHARD: 9,40 € (7/09), 4,70 € (5/10), 4,70 € (2/11) invoiced, 9,40 € paid:
    owes 9,40 €, oldest unpaid the one of 5/10. DUPONT: all paid."""
    invoice(
        blanchard,
        [meal(maxime, D1), meal(maxime, D1 + datetime.timedelta(days=1))],
        issued_at=at(D1),
    )
    invoice(blanchard, [meal(maxime, D2)], issued_at=at(D2))
    invoice(blanchard, [meal(maxime, D3)], issued_at=at(D3))
    payment(blanchard, "9.40", paid_at=at(D1, 14))
    zoe = dupont.household.children.get()
    invoice(dupont, [meal(zoe, D2)], issued_at=at(D2))
    payment(dupont, "4.70", paid_at=at(D2, 14))


def test_households_in_debit_say_how_much_and_since_when(debts, blanchard):
    [entry] = unpaid.households_in_debit()
    assert entry.household == blanchard.household
    assert entry.amount == Decimal("9.40") and entry.amount_display == "9,40\xa0€"
    assert entry.oldest_unpaid == D2
    assert entry.age_days(today=D3) == 28
    assert [(a.service_name, a.amount) for a in entry.accounts] == [
        ("Restaurant scolaire", Decimal("9.40"))
    ]
    assert entry.last_reminder is None


def test_a_partial_payment_leaves_the_invoice_unpaid(cant, blanchard, maxime):
    invoice(blanchard, [meal(maxime, D1), meal(maxime, D2)], issued_at=at(D1))
    payment(blanchard, "4.70", paid_at=at(D2))
    [entry] = unpaid.households_in_debit()
    assert (entry.amount, entry.oldest_unpaid) == (Decimal("4.70"), D1)


def test_the_list_costs_three_queries_whatever_the_households(debts, django_assert_num_queries):
    with django_assert_num_queries(3):
        unpaid.households_in_debit()


def test_a_reminder_is_recorded_e_mailed_and_journaled(debts, blanchard, regisseur):
    reminder = reminders.reminder_send(household_id=blanchard.household.pk, sent_by=regisseur)
    assert (reminder.amount, reminder.oldest_unpaid, reminder.emails) == (
        Decimal("9.40"),
        D2,
        1,
    )
    assert reminder.sent_by == regisseur and reminder.sent_by_name == "RÉGIE Rémi"
    email = OutboxEmail.objects.get(template="ledger/reminder")
    assert email.to_email == "bertrand.blanchard@example.org"
    assert "9,40" in email.body_text and "05/10/2026" in email.body_text
    assert "carte bancaire sur le portail des familles, ou à la mairie" in email.body_text
    [entry] = journal_entries(household_id=blanchard.household.pk)
    assert entry.actor == regisseur and entry.action == reminders.ACTION
    assert "9,40" in entry.summary
    assert unpaid.households_in_debit()[0].last_reminder == reminder.sent_at


def test_sending_the_same_reminder_twice_the_same_day_sends_it_once(debts, blanchard, regisseur):
    first = reminders.reminders_send(household_ids=[blanchard.household.pk], sent_by=regisseur)
    again = reminders.reminders_send(household_ids=[blanchard.household.pk], sent_by=regisseur)
    assert first == again
    assert Reminder.objects.count() == 1
    assert OutboxEmail.objects.filter(template="ledger/reminder").count() == 1


def test_a_household_not_in_debit_gets_no_reminder(debts, dupont, regisseur):
    with pytest.raises(reminders.ReminderRefused):
        reminders.reminder_send(household_id=dupont.household.pk, sent_by=regisseur)
    assert not Reminder.objects.exists() and not OutboxEmail.objects.exists()


def test_a_bulk_reminder_skips_households_that_paid(debts, blanchard, dupont, regisseur):
    sent = reminders.reminders_send(
        household_ids=[blanchard.household.pk, dupont.household.pk], sent_by=regisseur
    )
    assert [r.household for r in sent] == [blanchard.household]


def test_the_letter_prints_the_commune_the_family_the_amount_and_how_to_pay(
    debts, blanchard, regisseur
):
    reminder = reminders.reminder_send(household_id=blanchard.household.pk, sent_by=regisseur)
    pdf = reminders.render_letter(reminder)
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    for expected in (
        "Mairie de Clairoix",
        "Régie de recettes de la restauration scolaire",
        "BLANCHARD",
        "12 rue des Écoles",
        "9,40",
        "05/10/2026",
        "portail des familles",
        "à la mairie",
    ):
        assert expected in text, expected
