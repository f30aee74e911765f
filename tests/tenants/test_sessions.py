from django_tenants.utils import schema_context

from tests.factories import PASSWORD, UserFactory

CLAIROIX_COOKIE = "preau_session_c_clairoix"
AGEUX_COOKIE = "preau_session_c_les_ageux"


def login(client, slug, email):
    response = client.post(f"/{slug}/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def test_two_communes_stay_logged_in_side_by_side(client, clairoix, les_ageux):
    with schema_context(clairoix.schema_name):
        UserFactory(email="parent@example.org", first_name="Bertrand")
    with schema_context(les_ageux.schema_name):
        UserFactory(email="parent@example.org", first_name="Agnès")

    first = login(client, "Clairoix", "parent@example.org")
    assert first.cookies[CLAIROIX_COOKIE]["path"] == "/Clairoix/"
    second = login(client, "Les-Ageux", "parent@example.org")
    assert second.cookies[AGEUX_COOKIE]["path"] == "/Les-Ageux/"

    assert "Bonjour Bertrand" in client.get("/Clairoix/accueil/").content.decode()
    assert "Bonjour Agnès" in client.get("/Les-Ageux/accueil/").content.decode()

    client.post("/Les-Ageux/deconnexion/")
    assert client.get("/Les-Ageux/accueil/").status_code == 302
    assert client.get("/Clairoix/accueil/").status_code == 200


def test_a_clairoix_session_replayed_on_les_ageux_is_anonymous(client, clairoix, les_ageux):
    with schema_context(clairoix.schema_name):
        UserFactory(email="parent@example.org")
    with schema_context(les_ageux.schema_name):
        UserFactory(email="parent@example.org")
    login(client, "Clairoix", "parent@example.org")
    stolen = client.cookies[CLAIROIX_COOKIE].value

    client.cookies.clear()
    client.cookies[AGEUX_COOKIE] = stolen
    client.cookies["preau_session"] = stolen  # Django's stock name is ignored too
    response = client.get("/Les-Ageux/accueil/")
    assert response.status_code == 302
    assert response["Location"].startswith("/Les-Ageux/?next=")


def test_csrf_token_of_one_commune_is_refused_by_the_other(clairoix, les_ageux):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    page = client.get("/Clairoix/")
    token = page.context["csrf_token"]
    assert client.post("/Clairoix/", {"csrfmiddlewaretoken": token}).status_code == 200
    assert client.post("/Les-Ageux/", {"csrfmiddlewaretoken": token}).status_code == 403
