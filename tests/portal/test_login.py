import pytest
from django_tenants.utils import schema_context

from tests.factories import PASSWORD, UserFactory

BAD_LOGIN = "Identifiant ou mot de passe incorrect."


def post_login(client, slug, email, password):
    return client.post(f"/{slug}/", {"username": email, "password": password})


def test_login_page_speaks_the_manuals_words(client, clairoix):
    page = client.get("/Clairoix/").content.decode()
    for words in ("Mairie de Clairoix", "Identifiant", "Mot de passe", "Connexion", "oublié ?"):
        assert words in page


def test_email_in_another_case_logs_in_and_shows_the_tabs(client, blanchard):
    response = post_login(client, "Clairoix", "Bertrand.BLANCHARD@Example.org", PASSWORD)
    assert response["Location"] == "/Clairoix/accueil/"
    home = client.get("/Clairoix/accueil/").content.decode()
    for tab in ("Réservations", "Coordonnées", "Nous contacter", "Déconnexion"):
        assert tab in home
    assert "Maxime" in home and "Léa" in home


def test_password_is_case_sensitive(client, blanchard):
    response = post_login(client, "Clairoix", blanchard.user.email, PASSWORD.upper())
    assert response.status_code == 200
    assert BAD_LOGIN in response.content.decode()


def test_wrong_password_and_unknown_email_give_the_same_message(client, blanchard):
    wrong = post_login(client, "Clairoix", blanchard.user.email, "pas-le-bon-mot-de-passe")
    unknown = post_login(client, "Clairoix", "personne@example.org", "pas-le-bon-mot-de-passe")
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert BAD_LOGIN in wrong.content.decode()


@pytest.mark.parametrize("email", ["bertrand.blanchard@example.org", "personne@example.org"])
def test_repeated_failures_lock_the_login_with_the_same_answer(client, blanchard, email, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, "Clairoix", email, "mauvais").status_code == 200
    locked = post_login(client, "Clairoix", email, "mauvais")
    assert locked.status_code == 429
    assert "Connexion temporairement bloquée" in locked.content.decode()
    # Even the right password is refused while that account is locked from this address;
    # a stranger's failures from the same address never refuse Bertrand's right password.
    right = post_login(client, "Clairoix", "bertrand.blanchard@example.org", PASSWORD)
    assert right.status_code == (429 if email == blanchard.user.email else 302)


def test_lockout_is_per_commune(client, blanchard, les_ageux, settings):
    with schema_context(les_ageux.schema_name):
        UserFactory(email="bertrand.blanchard@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "Clairoix", "bertrand.blanchard@example.org", "mauvais")
    assert post_login(client, "Clairoix", blanchard.user.email, PASSWORD).status_code == 429
    assert post_login(client, "Les-Ageux", blanchard.user.email, PASSWORD).status_code == 302


def test_logout_is_a_csrf_protected_post(blanchard):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    page = client.get("/Clairoix/")
    client.post(
        "/Clairoix/",
        {
            "username": blanchard.user.email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
    )
    assert client.get("/Clairoix/deconnexion/").status_code == 405
    assert client.post("/Clairoix/deconnexion/").status_code == 403
    assert client.get("/Clairoix/accueil/").status_code == 200
    token = client.get("/Clairoix/accueil/").context["csrf_token"]
    assert client.post("/Clairoix/deconnexion/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get("/Clairoix/accueil/").status_code == 302


def test_parents_never_reach_the_admin(parent_client):
    response = parent_client.get("/Clairoix/admin/")
    assert response.status_code == 302
    assert "/Clairoix/admin/login/" in response["Location"]
