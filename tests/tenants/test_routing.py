import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_tenants.utils import schema_context

from tenants import services
from tenants.links import commune_url
from tests.factories import PASSWORD, UserFactory


def test_each_commune_is_served_from_its_own_schema(client, clairoix, les_ageux):
    response = client.get("/Clairoix/")
    assert response.status_code == 200
    assert response.wsgi_request.tenant == clairoix
    assert "Mairie de Clairoix" in response.content.decode()

    response = client.get("/Les-Ageux/")
    assert response.wsgi_request.tenant == les_ageux
    assert "Mairie de Les Ageux" in response.content.decode()


def test_data_written_in_one_commune_is_invisible_from_the_other(client, clairoix, les_ageux):
    with schema_context(clairoix.schema_name):
        UserFactory(email="agent@clairoix.test", is_staff=True, is_superuser=True)
        UserFactory(email="parent.clairoix@example.org")
    with schema_context(les_ageux.schema_name):
        UserFactory(email="agent@les-ageux.test", is_staff=True, is_superuser=True)
        assert not get_user_model().objects.filter(email__startswith="parent.clairoix").exists()

    client.post(
        "/Les-Ageux/admin/login/", {"username": "agent@les-ageux.test", "password": PASSWORD}
    )
    page = client.get("/Les-Ageux/admin/accounts/user/").content.decode()
    assert "agent@les-ageux.test" in page
    assert "parent.clairoix@example.org" not in page
    # The Clairoix agent does not exist in Les Ageux: its login is refused there.
    other = client.post(
        "/Les-Ageux/admin/login/", {"username": "agent@clairoix.test", "password": PASSWORD}
    )
    assert other.status_code == 200 and "agent@clairoix.test" not in str(other.context["user"])


def test_slug_in_another_case_redirects_permanently_to_the_canonical_one(client, clairoix):
    response = client.get("/clairoix/admin/login/?next=/x")
    assert response.status_code == 301
    assert response["Location"] == "/Clairoix/admin/login/?next=/x"


def test_unknown_commune_is_a_french_404_page(client, db):
    response = client.get("/Nulle-Part/")
    assert response.status_code == 404
    assert "Aucune commune n'utilise l'adresse « Nulle-Part »" in response.content.decode()


def test_reverse_inside_a_commune_request_carries_its_prefix(client, clairoix):
    response = client.get("/Clairoix/accueil/")
    assert response.status_code == 302
    assert response["Location"].startswith("/Clairoix/?next=/Clairoix/accueil/")


def test_absolute_commune_url_outside_a_request(clairoix):
    url = commune_url(clairoix, "portal:login")
    assert url == "http://testserver/Clairoix/"
    assert reverse("portal:home") == "/accueil/"  # no request: the bare commune URLconf


@pytest.mark.parametrize(
    "slug", ["console", "Static", "admin", "healthz", "api", "media", "Simulateur-PayFiP"]
)
def test_slugs_that_shadow_platform_routes_are_refused(db, slug):
    with pytest.raises(ValidationError) as error:
        services.validate_new_commune(name="X", slug=slug, contact_email="m@x.test")
    assert "réservée" in str(error.value)


def test_suspended_commune_shows_unavailable_page_and_accepts_no_login(client, clairoix):
    with schema_context(clairoix.schema_name):
        UserFactory(email="parent@example.org")
    services.set_commune_active(clairoix, active=False)

    page = client.get("/Clairoix/")
    assert page.status_code == 503
    assert "Service temporairement indisponible" in page.content.decode()
    login = client.post("/Clairoix/", {"username": "parent@example.org", "password": PASSWORD})
    assert login.status_code == 503
    assert not any(name.startswith("preau_session") for name in login.cookies)

    services.set_commune_active(clairoix, active=True)
    assert client.get("/Clairoix/").status_code == 200


def test_platform_routes_run_in_the_public_schema(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.tenant is None
