import re
from datetime import timedelta

import pytest
from django.test import Client

from notifications.models import OutboxEmail
from portal.accounts.tokens import reset_token_generator
from tests.factories import PASSWORD

URL = "/Clairoix/coordonnees/mot-de-passe/"
NEW = "Trois-petits-chats-dans-la-cour"


def change(client, old, new1, new2=None):
    return client.post(
        URL, {"old_password": old, "new_password1": new1, "new_password2": new2 or new1}
    )


def test_old_password_is_checked(parent_client, blanchard):
    response = change(parent_client, "pas-le-bon", NEW)
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    blanchard.user.refresh_from_db()
    assert blanchard.user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Court-123", "au minimum 12 caractères"),
        ("x" * 129, "au maximum"),
        ("cookiemonster", "trop courant"),
        ("bertrand.blanchard", "trop semblable"),
        ("123456789012345", "entièrement numérique"),
    ],
)
def test_password_policy_is_enforced_in_french(parent_client, blanchard, new, message):
    response = change(parent_client, PASSWORD, new)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["new_password2"])


def test_a_long_pass_phrase_beyond_the_old_12_character_limit_is_accepted(parent_client, blanchard):
    assert change(parent_client, PASSWORD, NEW).status_code == 302
    blanchard.user.refresh_from_db()
    assert blanchard.user.check_password(NEW)
    assert blanchard.user.password.startswith("argon2")


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(parent_client, blanchard):
    other_phone = Client()
    other_phone.post("/Clairoix/", {"username": blanchard.user.email, "password": PASSWORD})
    assert other_phone.get("/Clairoix/accueil/").status_code == 200

    assert change(parent_client, PASSWORD, NEW).status_code == 302
    assert parent_client.get("/Clairoix/accueil/").status_code == 200
    assert other_phone.get("/Clairoix/accueil/").status_code == 302


def reset_link(outbox_email):
    return re.search(
        r"http://testserver(/Clairoix/mot-de-passe/choisir/\S+/)", outbox_email.body_text
    ).group(1)


def test_lost_password_answers_the_same_whether_the_account_exists(client, blanchard):
    known = client.post(
        "/Clairoix/mot-de-passe-oublie/", {"email": "Bertrand.Blanchard@example.org"}, follow=True
    )
    unknown = client.post(
        "/Clairoix/mot-de-passe-oublie/", {"email": "inconnu@example.org"}, follow=True
    )
    assert [str(m) for m in known.context["messages"]] == [
        str(m) for m in unknown.context["messages"]
    ]
    assert OutboxEmail.objects.count() == 1
    email = OutboxEmail.objects.get()
    assert email.to_email == "bertrand.blanchard@example.org"
    assert "valable une heure" in email.body_text


def test_reset_link_works_once(client, blanchard):
    client.post("/Clairoix/mot-de-passe-oublie/", {"email": blanchard.user.email})
    link = reset_link(OutboxEmail.objects.get())
    assert client.post(link, {"new_password1": NEW, "new_password2": NEW}).status_code == 302
    assert client.get(link).status_code == 410
    assert (
        client.post("/Clairoix/", {"username": blanchard.user.email, "password": NEW}).status_code
        == 302
    )


def test_reset_link_expires_after_one_hour(client, blanchard, monkeypatch):
    real_now = reset_token_generator._now
    monkeypatch.setattr(reset_token_generator, "_now", lambda: real_now() - timedelta(minutes=61))
    client.post("/Clairoix/mot-de-passe-oublie/", {"email": blanchard.user.email})
    monkeypatch.setattr(reset_token_generator, "_now", real_now)
    assert client.get(reset_link(OutboxEmail.objects.get())).status_code == 410


def test_a_clairoix_link_is_worthless_in_les_ageux(client, blanchard):
    client.post("/Clairoix/mot-de-passe-oublie/", {"email": blanchard.user.email})
    link = reset_link(OutboxEmail.objects.get())
    assert client.get(link.replace("/Clairoix/", "/Les-Ageux/")).status_code == 410
