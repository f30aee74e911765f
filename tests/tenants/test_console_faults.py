"""The operator's console: its admin, its lockout page, where its login lands."""

import pytest

from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def operator(in_public):
    return UserFactory(email="operateur@preau.test", is_staff=True, is_superuser=True)


def test_console_login_without_next_lands_on_the_console(client, operator):
    response = client.post(
        "/console/connexion/", {"username": operator.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    assert client.get(response["Location"]).status_code == 200


def test_console_login_keeps_a_next_inside_the_console(client, operator):
    response = client.post(
        "/console/connexion/?next=/console/communes/nouvelle/",
        {"username": operator.email, "password": PASSWORD, "next": "/console/communes/nouvelle/"},
    )
    assert response["Location"] == "/console/communes/nouvelle/"


@pytest.mark.parametrize(
    "path",
    [
        "/console/admin/",
        "/console/admin/tenants/",
        "/console/admin/tenants/commune/",
        "/console/admin/accounts/user/",
        "/console/admin/notifications/outboxemail/",
    ],
)
def test_the_operators_admin_answers(client, operator, clairoix, path):
    client.post("/console/connexion/", {"username": operator.email, "password": PASSWORD})
    response = client.get(path)
    assert response.status_code == 200, path
    assert "Préau — console de la plateforme" in response.content.decode()


def test_the_operators_admin_shows_a_commune(client, operator, clairoix):
    client.post("/console/connexion/", {"username": operator.email, "password": PASSWORD})
    page = client.get(f"/console/admin/tenants/commune/{clairoix.pk}/change/")
    assert page.status_code == 200 and "c_clairoix" in page.content.decode()


def test_console_lockout_page_answers_429_in_french(client, operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/console/connexion/", {"username": operator.email, "password": "mauvais"})
    locked = client.post("/console/connexion/", {"username": operator.email, "password": "x"})
    assert locked.status_code == 429
    assert "Connexion temporairement bloquée" in locked.content.decode()
    right = client.post("/console/connexion/", {"username": operator.email, "password": PASSWORD})
    assert right.status_code == 429
