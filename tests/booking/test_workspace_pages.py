"""Workspace pages of booking for the families: « Nouvelle famille » and « Écrire aux
familles »; the household page's booking sections; fixed queries at 10 and 500 households."""

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Enrolment
from notifications.models import OutboxEmail
from portal import roles
from portal.models import Household, JournalEntry
from tests.factories import agent_client
from tests.portal.factories import bulk_households


@pytest.fixture
def agent(canteen):
    return agent_client(roles.AGENT)[0]


def _family(canteen, **extra):
    return {
        "name": "Martin",
        "civility": "MME",
        "last_name": "Martin",
        "first_name": "Claire",
        "email": "claire.martin@example.org",
        "mobile_phone": "06 01 02 03 04",
        "postal_code": "60280",
        "city": "Clairoix",
        "enfant0-first_name": "Jules",
        "enfant0-birth_date": "14/03/2018",
        "enfant0-service": str(canteen.service.pk),
        "enfant0-site": str(canteen.site.pk),
        "enfant0-planning_group": str(canteen.elementary.pk),
        **extra,
    }


def test_an_agent_creates_a_family_with_a_child_and_the_access_email(agent, canteen):
    form = agent.get("/Clairoix/gestion/familles/nouvelle/")
    assert form.status_code == 200 and canteen.site.name in form.content.decode()
    response = agent.post("/Clairoix/gestion/familles/nouvelle/", _family(canteen))
    assert response.status_code == 302
    household = Household.objects.get(name="MARTIN")
    assert response["Location"] == f"/Clairoix/gestion/familles/{household.pk}/"
    enrolment = Enrolment.objects.get(child__household=household)
    assert enrolment.child.first_name == "Jules" and enrolment.planning_group == canteen.elementary
    assert OutboxEmail.objects.get(to_email="claire.martin@example.org").template == "portal/access"
    assert JournalEntry.objects.get(household=household).action == "family.create"
    page = unescape(agent.get(response["Location"]).content.decode())
    assert "l'e-mail d'accès au portail est envoyé à claire.martin@example.org" in page
    assert "Jules" in page and canteen.elementary.name in page


@pytest.mark.parametrize(
    "bad",
    [
        {"email": "pas-une-adresse"},
        {"enfant0-site": ""},
        {"enfant0-birth_date": "31/02/2018"},
        {"mobile_phone": "12"},
        {"email": "bertrand.blanchard@example.org"},
    ],
)
def test_bad_input_on_the_new_family_form_changes_nothing(agent, canteen, bad):
    before = Household.objects.count()
    response = agent.post("/Clairoix/gestion/familles/nouvelle/", _family(canteen, **bad))
    assert response.status_code == 400
    assert "rien n'a été enregistré" in unescape(response.content.decode())
    assert Household.objects.count() == before and not OutboxEmail.objects.exists()


def test_an_agent_previews_then_sends_a_bulk_email_and_sees_the_sending(agent, canteen, dupont):
    url = "/Clairoix/gestion/ecrire/"
    fields = {"service": str(canteen.service.pk), "subject": "Sortie", "body": "Pique-nique."}
    preview = agent.post(url, {**fields, "preview": "1"})
    html = unescape(preview.content.decode())
    assert preview.status_code == 200 and "1 destinataire (1 foyer)" in html
    assert "bertrand.blanchard@example.org" in html and "anne.dupont" not in html
    assert not OutboxEmail.objects.exists()
    sent = agent.post(url, {**fields, "send": "1", "expected_count": "1"})
    assert sent.status_code == 302
    email = OutboxEmail.objects.get()
    assert (email.to_email, email.subject) == ("bertrand.blanchard@example.org", "Sortie")
    OutboxEmail.objects.update(status="failed", last_error="550 boîte inconnue")
    report = unescape(agent.get(sent["Location"]).content.decode())
    assert "Échecs d'envoi" in report and "550 boîte inconnue" in report
    assert "Sortie" in unescape(agent.get(url).content.decode())  # Derniers envois


def test_a_sending_whose_selection_changed_since_the_preview_is_refused(agent, canteen):
    fields = {"subject": "Sortie", "body": "Pique-nique.", "send": "1", "expected_count": "7"}
    response = agent.post("/Clairoix/gestion/ecrire/", fields)
    assert response.status_code == 400 and "La sélection a changé" in unescape(
        response.content.decode()
    )
    assert not OutboxEmail.objects.exists()


def queries(client, method, url, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def test_booking_workspace_pages_cost_the_same_queries_at_10_and_500_households(canteen, blanchard):
    admin = agent_client(roles.ADMINISTRATEUR, "admin@clairoix.test")[0]
    preview = {"subject": "Sortie", "body": "Pique-nique.", "preview": "1"}
    pages = [
        ("get", "/Clairoix/gestion/familles/nouvelle/", None),
        ("get", "/Clairoix/gestion/ecrire/", None),
        ("post", "/Clairoix/gestion/ecrire/", preview),
        ("post", "/Clairoix/gestion/ecrire/", {**preview, "in_debit": "on"}),
        ("get", f"/Clairoix/gestion/familles/{blanchard.household_id}/", None),
    ]

    def enrol(households):
        Enrolment.objects.bulk_create(
            [
                Enrolment(
                    child=household.children.get(),
                    service=canteen.service,
                    site=canteen.site,
                    planning_group=canteen.elementary,
                )
                for household in households
            ]
        )

    enrol(bulk_households(10))
    at_10 = [queries(admin, *page) for page in pages]
    enrol(bulk_households(490, start=10))
    at_500 = [queries(admin, *page) for page in pages]
    print("queries at 10 / 500 households:", at_10, at_500)
    assert at_10 == at_500
