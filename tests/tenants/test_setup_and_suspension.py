"""Operator console: a commune's setup checklist, "Suspendre" with its confirmation, and
a suspended commune's workspace read-only for its staff (its families stay out)."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from portal import roles
from portal.models import Household
from tenants import selectors, services
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def console(client, in_public):
    operator = UserFactory(email="operateur@preau.test", is_staff=True, is_superuser=True)
    client.post("/console/connexion/", {"username": operator.email, "password": PASSWORD})
    return client


def steps(commune):
    return {item.key: item.done for item in selectors.setup_checklist(commune)}


def test_a_new_commune_s_checklist_is_ticked_from_its_data(console, clairoix):
    assert steps(clairoix) == {
        "service": False,
        "prices": False,
        "sites": False,
        "school_year": False,
        "payfip": False,
        "families": False,
    }
    page = console.get(f"/console/communes/{clairoix.pk}/").content.decode()
    assert "Mise en route (0 sur 6)" in page
    assert 'href="/Clairoix/gestion/"' in page and 'href="/Clairoix/admin/"' in page
    assert 'href="/Clairoix/admin/booking/service/"' in page
    assert 'href="/Clairoix/admin/tipi/regie/"' in page

    from booking.models import MealKind, Price, SchoolYear, Service, Site
    from tipi.models import PayfipSettings, Regie

    with schema_context(clairoix.schema_name):
        service = Service.objects.create(code="cant", name="Restaurant scolaire")
        Site.objects.create(name="Restaurant scolaire", default_capacity=120)
        Household.objects.create(name="BLANCHARD")
    assert steps(clairoix) == {
        "service": True,
        "prices": False,
        "sites": True,
        "school_year": False,
        "payfip": False,
        "families": True,
    }
    with schema_context(clairoix.schema_name):
        meal = MealKind.objects.create(service=service, name="Repas", tab_label="Repas")
        today = datetime.date.today()
        Price.objects.create(meal_kind=meal, amount=Decimal("4.70"), valid_from=today)
        SchoolYear.objects.create(
            first_day=today - datetime.timedelta(days=30),
            last_day=today + datetime.timedelta(days=200),
            zone="B",
        )
        Regie.objects.create(service_code="cant", numcli="012345")
        PayfipSettings.objects.create(is_enabled=True)
    assert all(steps(clairoix).values())
    home = console.get("/console/").content.decode()
    row = next(r for r in home.split("<tr>") if "Clairoix</a>" in r)
    assert "prête" in row


def test_suspendre_asks_for_confirmation_and_says_what_it_blocks(console, clairoix):
    home = console.get("/console/").content.decode()
    assert f'href="/console/communes/{clairoix.pk}/suspendre/"' in home
    page = console.get(f"/console/communes/{clairoix.pk}/suspendre/").content.decode()
    assert "Suspendre Clairoix ?" in page
    assert "le portail des familles" in page and "lecture seule" in page
    assert "l'envoi des e-mails déjà en attente" in page
    # A POST without the confirmation suspends nothing: it leads to the question.
    response = console.post(f"/console/communes/{clairoix.pk}/etat/", {"active": "0"})
    assert response["Location"] == f"/console/communes/{clairoix.pk}/suspendre/"
    clairoix.refresh_from_db()
    assert clairoix.is_active
    console.post(f"/console/communes/{clairoix.pk}/etat/", {"active": "0", "confirm": "1"})
    clairoix.refresh_from_db()
    assert not clairoix.is_active


def test_unknown_commune_pages_are_404(console, clairoix):
    assert console.get("/console/communes/999999/").status_code == 404
    assert console.get("/console/communes/999999/suspendre/").status_code == 404


@pytest.fixture
def suspended(clairoix):
    with schema_context(clairoix.schema_name):
        agent = UserFactory(email="agent@clairoix.test", is_staff=True)
        roles.give_role(agent, roles.AGENT)
        administrator = UserFactory(email="chef@clairoix.test", is_staff=True)
        roles.give_role(administrator, roles.ADMINISTRATEUR)
        parent = UserFactory(email="parent@example.org")
        Household.objects.create(name="DUPONT")
    services.set_commune_active(clairoix, active=False)
    return {"agent": agent, "administrator": administrator, "parent": parent}


def staff_client(email):
    client = Client()
    response = client.post("/Clairoix/admin/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_a_suspended_commune_s_staff_log_in_and_read_their_workspace(suspended):
    client = staff_client("agent@clairoix.test")
    home = client.get("/Clairoix/gestion/")
    assert home.status_code == 200
    assert "Commune suspendue" in home.content.decode()
    assert "lecture seule" in home.content.decode()
    households = client.get("/Clairoix/admin/portal/household/")
    assert households.status_code == 200 and "DUPONT" in households.content.decode()
    assert "lecture seule" in households.content.decode()


def test_a_suspended_commune_refuses_every_staff_write(suspended, clairoix):
    client = staff_client("chef@clairoix.test")
    response = client.post("/Clairoix/admin/portal/household/add/", {"name": "NOUVEAU"})
    assert response.status_code == 403
    assert "la commune est suspendue" in response.content.decode()
    for url in ("/Clairoix/gestion/", "/Clairoix/gestion/journal/", "/Clairoix/admin/"):
        assert client.post(url, {}).status_code == 403
    with schema_context(clairoix.schema_name):
        assert not Household.objects.filter(name="NOUVEAU").exists()
    # Logging out still works.
    assert client.post("/Clairoix/admin/logout/").status_code in (200, 302)
    assert client.get("/Clairoix/gestion/").status_code == 302


def test_a_suspended_commune_s_families_cannot_log_in(suspended):
    client = Client()
    for url in ("/Clairoix/", "/Clairoix/accueil/"):
        assert client.get(url).status_code == 503
    login = client.post("/Clairoix/", {"username": "parent@example.org", "password": PASSWORD})
    assert login.status_code == 503
    # The staff login is not a way in for a parent.
    login = client.post(
        "/Clairoix/admin/login/", {"username": "parent@example.org", "password": PASSWORD}
    )
    assert login.status_code == 200  # the form again, with its error
    assert client.get("/Clairoix/gestion/").status_code == 302


def test_reactivated_commune_accepts_writes_again(suspended, clairoix):
    services.set_commune_active(clairoix, active=True)
    client = staff_client("chef@clairoix.test")
    response = client.post("/Clairoix/admin/portal/household/add/", {"name": "NOUVEAU"})
    assert response.status_code != 403
