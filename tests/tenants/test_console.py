import re

import pytest
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from notifications.models import OutboxEmail
from tenants.models import Commune
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def operator(in_public):
    return UserFactory(email="operateur@preau.test", is_staff=True, is_superuser=True)


@pytest.fixture
def console(client, operator):
    client.post("/console/connexion/", {"username": operator.email, "password": PASSWORD})
    return client


NEW_COMMUNE = {
    "name": "Margny-lès-Compiègne",
    "slug": "Margny",
    "contact_email": "mairie@margny.test",
    "admin_email": "Secretariat@Margny.test",
    "postal_address": "Place de la Mairie, 60280 Margny-lès-Compiègne",
}


def test_console_is_for_operators_only(client, in_public, clairoix):
    assert client.get("/console/")["Location"].startswith("/console/connexion/")
    # A commune's administrator is not an operator: unknown in the public schema.
    with schema_context(clairoix.schema_name):
        UserFactory(email="agent@clairoix.test", is_staff=True)
    client.post("/console/connexion/", {"username": "agent@clairoix.test", "password": PASSWORD})
    assert client.get("/console/").status_code == 302


def test_console_lists_communes_with_their_figures(console, clairoix, les_ageux):
    with schema_context(clairoix.schema_name):
        UserFactory.create_batch(3)
        UserFactory(is_staff=True)
        UserFactory(is_active=False)
    page = console.get("/console/").content.decode()
    row = re.search(r"<th scope=\"row\">.*?>Clairoix</a></th>(.*?)</tr>", page, re.S).group(1)
    assert "/Clairoix/" in row and "<td>active</td>" in row
    assert '<td class="num">3</td>' in row  # active parent accounts only
    assert "Les Ageux" in page


def test_creating_a_commune_provisions_schema_admin_and_invitation(console, client):
    response = console.post("/console/communes/nouvelle/", NEW_COMMUNE)
    assert response.status_code == 302, response.content.decode()[:2000]

    commune = Commune.objects.get(slug="Margny")
    assert commune.schema_name == "c_margny"
    assert schema_exists("c_margny")
    invitation = OutboxEmail.objects.get(to_email__iexact="secretariat@margny.test")
    assert invitation.status == OutboxEmail.Status.PENDING
    assert "Margny-lès-Compiègne" in invitation.subject
    link = re.search(r"http://testserver(/Margny/mot-de-passe/choisir/\S+/)", invitation.body_text)
    assert link, invitation.body_text

    # The administrator chooses a password from the link, then logs into the admin.
    client.logout()
    form = client.get(link.group(1))
    assert form.status_code == 200
    chosen = "Une-phrase-de-passe-longue-42"
    done = client.post(link.group(1), {"new_password1": chosen, "new_password2": chosen})
    assert done.status_code == 302
    logged = client.post(
        "/Margny/admin/login/", {"username": "secretariat@margny.test", "password": chosen}
    )
    assert logged.status_code == 302
    assert client.get("/Margny/admin/").status_code == 200
    # The link is single-use.
    assert client.get(link.group(1)).status_code == 410


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slug": "clairoix"}, "slug", "Une commune utilise déjà l'adresse"),
        ({"slug": "console"}, "slug", "est réservée par la plateforme"),
        ({"slug": "Mar gny"}, "slug", "lettres sans accent"),
        ({"admin_email": "pas-une-adresse"}, "admin_email", "Saisissez une adresse e-mail valide"),
        ({"contact_email": "@"}, "contact_email", "Saisissez une adresse e-mail valide"),
    ],
)
def test_bad_input_gets_a_french_message_and_creates_nothing(
    console, clairoix, changes, field, message
):
    response = console.post("/console/communes/nouvelle/", {**NEW_COMMUNE, **changes})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Commune.objects.filter(name=NEW_COMMUNE["name"]).exists()
    assert not schema_exists("c_margny")
    assert not OutboxEmail.objects.exists()


def test_a_failure_during_provisioning_leaves_no_schema(console, monkeypatch):
    def broken(**kwargs):
        assert schema_exists("c_margny")  # the schema was made, then must vanish
        raise RuntimeError("disk full")

    monkeypatch.setattr(
        "portal.accounts.services.create_commune_administrator", broken, raising=True
    )
    with pytest.raises(RuntimeError):
        console.post("/console/communes/nouvelle/", NEW_COMMUNE)
    connection.set_schema_to_public()
    assert not schema_exists("c_margny")
    assert not Commune.objects.filter(slug="Margny").exists()
    assert not OutboxEmail.objects.exists()


def test_suspend_and_reactivate_from_the_console(console, clairoix):
    console.post(f"/console/communes/{clairoix.pk}/etat/", {"active": "0", "confirm": "1"})
    clairoix.refresh_from_db()
    assert not clairoix.is_active
    assert console.get("/Clairoix/").status_code == 503
    console.post(f"/console/communes/{clairoix.pk}/etat/", {"active": "1"})
    clairoix.refresh_from_db()
    assert clairoix.is_active
