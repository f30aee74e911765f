"""Issue 13, item 6: the workspace page "Impayés", reminders and their letters."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from ledger.models import Reminder
from notifications.models import OutboxEmail
from portal import gestion, roles
from tests.factories import agent_client
from tests.ledger.factories import at, bulk_debts, invoice, meal

URL = "/Clairoix/gestion/impayes/"
D1 = datetime.date(2026, 10, 5)


@pytest.fixture
def blanchard_owes(cant, blanchard, maxime):
    invoice(blanchard, [meal(maxime, D1), meal(maxime, D1)], issued_at=at(D1))
    return blanchard.household


def test_the_page_lists_households_in_debit_with_amount_and_age(in_clairoix, blanchard_owes):
    client, _user = agent_client(roles.REGISSEUR)
    html = client.get(URL).content.decode()
    assert "BLANCHARD" in html and "9,40\xa0€" in html and "05/10/2026" in html
    assert "1 famille en impayé, 9,40\xa0€ au total." in html
    assert "Relancer les familles cochées" in html


@pytest.mark.parametrize(
    ("role", "status", "can_remind"),
    [
        (roles.REGISSEUR, 200, True),
        (roles.ADMINISTRATEUR, 200, True),
        (roles.LECTURE, 200, False),
        (roles.AGENT, 403, False),
    ],
)
def test_who_sees_the_page_and_who_may_send_reminders(
    in_clairoix, blanchard_owes, role, status, can_remind
):
    client, _user = agent_client(role)
    response = client.get(URL)
    assert response.status_code == status
    if status == 200:
        assert ("Relancer les familles cochées" in response.content.decode()) is can_remind
    sent = client.post(URL + "relancer/", {"foyers": [blanchard_owes.pk]})
    assert (sent.status_code == 302) is can_remind
    assert Reminder.objects.exists() is can_remind


def test_a_reminder_from_the_page_is_e_mailed_recorded_and_its_letter_downloads(
    in_clairoix, blanchard_owes
):
    client, user = agent_client(roles.REGISSEUR)
    response = client.post(URL + "relancer/", {"foyers": [blanchard_owes.pk]}, follow=True)
    html = response.content.decode()
    assert "1 relance(s) envoyée(s), 1 e-mail(s)" in html
    reminder = Reminder.objects.get()
    assert reminder.household == blanchard_owes and reminder.sent_by == user
    assert OutboxEmail.objects.filter(template="ledger/reminder").count() == 1
    letter = client.get(f"{URL}relances/{reminder.pk}.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")
    day = client.get(URL + "lettres-du-jour.pdf")
    assert day.status_code == 200 and day.content.startswith(b"%PDF")
    assert client.get(f"{URL}relances/999999.pdf").status_code == 404


def test_bad_input_changes_nothing_and_says_why(in_clairoix, blanchard_owes, dupont):
    client, _user = agent_client(roles.REGISSEUR)
    for data in ({}, {"foyers": ["abc"]}, {"foyers": [dupont.household.pk]}, {"foyers": [0]}):
        response = client.post(URL + "relancer/", data, follow=True)
        assert response.status_code == 200
        assert "message-error" in response.content.decode()
    assert not Reminder.objects.exists() and not OutboxEmail.objects.exists()


def test_the_household_page_section_lists_its_reminders(in_clairoix, blanchard_owes, rf):
    client, user = agent_client(roles.REGISSEUR)
    client.post(URL + "relancer/", {"foyers": [blanchard_owes.pk]})
    section = next(s for s in gestion._sections.values() if s.key == "reminders")
    request = rf.get("/")
    request.user = user
    context = section.context(request, blanchard_owes)
    reminder = Reminder.objects.get()
    assert context["reminders"] == [reminder]
    html = render_to_string(section.template, {"section": context}, request=request)
    assert "9,40\xa0€" in html and "AGENT Claire" in html
    assert f'gestion/impayes/relances/{reminder.pk}.pdf"' in html  # rendered outside a commune


def test_the_page_costs_the_same_queries_at_10_and_500_households(in_clairoix, cant):
    client, _user = agent_client(roles.REGISSEUR)
    counts = []
    for count in (10, 490):
        bulk_debts(count, issued_at=at(D1))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.status_code == 200
        counts.append(len(queries))
    assert "500 familles en impayé" in response.content.decode()
    assert counts[0] == counts[1], counts
    print("Impayés page queries:", counts)
