"""Workspace pages of the families and the messages: what each role sees and may do, and a
fixed number of SQL queries at 10 and at 500 households."""

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import OutboxEmail
from portal import roles
from portal.models import ContactMessage, JournalEntry
from portal.services import send_contact_message
from tests.factories import agent_client
from tests.portal.factories import bulk_households


def staff(role, email=None):
    return agent_client(role, email)[0]


@pytest.fixture
def agent(in_clairoix):
    return staff(roles.AGENT)


@pytest.fixture
def lecture(in_clairoix):
    return staff(roles.LECTURE)


def test_the_roles_rights_on_families_and_messages(in_clairoix):
    from django.contrib.auth.models import Group

    def rights(role):
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.all()
        }

    new = {"portal.manage_families", "portal.answer_messages", "portal.write_to_families"}
    assert new <= rights(roles.AGENT) and new <= rights(roles.ADMINISTRATEUR)
    assert not new & rights(roles.LECTURE)


def test_an_agent_finds_a_family_by_a_child_s_first_name(agent, blanchard, dupont):
    page = agent.get("/Clairoix/gestion/familles/", {"q": "léa"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "BLANCHARD" in html and "DUPONT" not in html
    assert f'href="/Clairoix/gestion/familles/{blanchard.household_id}/"' in html
    assert 'href="/Clairoix/gestion/familles/nouvelle/"' in html
    assert (
        "Aucune famille ne correspond"
        in agent.get("/Clairoix/gestion/familles/", {"q": "personne"}).content.decode()
    )


def test_the_household_page_shows_guardians_children_messages_and_journal(agent, blanchard):
    send_contact_message(
        household=blanchard.household, author=blanchard.user, subject="Allergie", body="Maxime"
    )
    page = agent.get(f"/Clairoix/gestion/familles/{blanchard.household_id}/")
    html = unescape(page.content.decode())
    assert page.status_code == 200
    for text in (
        "Foyer BLANCHARD",
        "Responsables et accès au portail",
        "bertrand.blanchard@example.org",
        "jamais",
        "Maxime",
        "Léa",
        "Allergie",
        "E-mails envoyés",
        "Journal",
        "Envoyer l'e-mail d'accès",
        "Inscriptions",
        "Commandes",
    ):
        assert text in html, text
    # The agent handles no money: the ledger's sections are not shown.
    assert "Solde par service" not in html


def test_an_agent_sends_the_access_email_again_from_the_household_page(agent, blanchard):
    url = f"/Clairoix/gestion/familles/{blanchard.household_id}/acces/{blanchard.pk}/"
    assert agent.get(url).status_code == 405
    response = agent.post(url)
    assert response.status_code == 302
    assert OutboxEmail.objects.get().to_email == "bertrand.blanchard@example.org"
    assert JournalEntry.objects.get().action == "family.access_email"
    page = unescape(agent.get(response["Location"]).content.decode())
    assert "E-mail d'accès au portail envoyé à bertrand.blanchard@example.org" in page


def test_access_email_for_a_guardian_of_another_household_is_refused(agent, blanchard, dupont):
    response = agent.post(f"/Clairoix/gestion/familles/{blanchard.household_id}/acces/{dupont.pk}/")
    assert response.status_code == 302 and not OutboxEmail.objects.exists()


def test_lecture_reads_but_cannot_send_access_or_answer(lecture, blanchard):
    message = send_contact_message(
        household=blanchard.household, author=blanchard.user, subject="Menu", body="Bonjour"
    )
    OutboxEmail.objects.all().delete()
    page = lecture.get(f"/Clairoix/gestion/familles/{blanchard.household_id}/")
    page = unescape(page.content.decode())
    assert "Foyer BLANCHARD" in page and "e-mail d'accès" not in page
    url = f"/Clairoix/gestion/familles/{blanchard.household_id}/acces/{blanchard.pk}/"
    assert lecture.post(url).status_code == 403
    detail = lecture.get(f"/Clairoix/gestion/messages/{message.pk}/")
    assert detail.status_code == 200 and "Envoyer la réponse" not in detail.content.decode()
    posted = lecture.post(f"/Clairoix/gestion/messages/{message.pk}/", {"reply": "1", "body": "x"})
    assert posted.status_code == 403 and not OutboxEmail.objects.exists()
    assert lecture.get("/Clairoix/gestion/familles/nouvelle/").status_code == 403
    assert lecture.get("/Clairoix/gestion/ecrire/").status_code == 403


def test_an_agent_answers_a_message_from_the_inbox(agent, blanchard):
    message = send_contact_message(
        household=blanchard.household, author=blanchard.user, subject="Menu", body="Bonjour"
    )
    OutboxEmail.objects.all().delete()
    inbox = agent.get("/Clairoix/gestion/messages/", {"etat": "new"}).content.decode()
    assert "Menu" in inbox and "Nouveaux (1)" in inbox
    url = f"/Clairoix/gestion/messages/{message.pk}/"
    empty = agent.post(url, {"reply": "1", "body": " "})
    assert empty.status_code == 400 and not OutboxEmail.objects.exists()
    response = agent.post(url, {"reply": "1", "body": "Le menu est en ligne."})
    assert response.status_code == 302
    assert OutboxEmail.objects.get().to_email == "bertrand.blanchard@example.org"
    page = agent.get(url).content.decode()
    assert "Le menu est en ligne." in page and "traité" in page and "AGENT Claire" in page
    assert ContactMessage.objects.get().status == "done"


def queries(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(captured)


def test_family_and_message_pages_cost_the_same_queries_at_10_and_500_households(
    in_clairoix, blanchard
):
    admin = staff(roles.ADMINISTRATEUR, "admin@clairoix.test")
    message = send_contact_message(
        household=blanchard.household, author=blanchard.user, subject="Menu", body="Bonjour"
    )
    pages = [
        ("/Clairoix/gestion/familles/", {"q": "FOYER"}),
        ("/Clairoix/gestion/familles/", {"q": "0699"}),
        (f"/Clairoix/gestion/familles/{blanchard.household_id}/", {}),
        ("/Clairoix/gestion/messages/", {}),
        (f"/Clairoix/gestion/messages/{message.pk}/", {}),
    ]
    bulk_households(10, with_messages=True)
    at_10 = [queries(admin, url, **params) for url, params in pages]
    bulk_households(490, start=10, with_messages=True)
    at_500 = [queries(admin, url, **params) for url, params in pages]
    print("queries at 10 / 500 households:", at_10, at_500)
    assert at_10 == at_500
