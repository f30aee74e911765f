"""The session store (portal/accounts/sessions.py) and EmailBackend.get_user: Django's rules
kept (expiry, an inactive or deleted user logged out), the user read with the session in one
statement, never another user's row."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.accounts import sessions
from tests.factories import UserFactory
from tests.tenants.test_sessions import CLAIROIX_COOKIE, login


def test_an_expired_session_row_is_anonymous(parent_client, blanchard):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    assert parent_client.get("/Clairoix/accueil/").status_code == 200
    key = parent_client.cookies[CLAIROIX_COOKIE].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    response = parent_client.get("/Clairoix/accueil/")
    assert response.status_code == 302
    assert response["Location"].startswith("/Clairoix/?next=")


def test_a_parent_deactivated_or_deleted_is_logged_out_at_the_next_request(
    client, parent_client, blanchard
):
    page = parent_client.get("/Clairoix/accueil/").content.decode()
    assert "Bonjour Bertrand" in page  # the user's row as the ORM gives it
    user = blanchard.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert parent_client.get("/Clairoix/accueil/").status_code == 302

    user.is_active = True
    user.save(update_fields=["is_active"])
    login(client, "Clairoix", user.email)
    assert client.get("/Clairoix/accueil/").status_code == 200
    blanchard.user.guardian.delete()
    user.delete()
    assert client.get("/Clairoix/accueil/").status_code == 302


def test_the_session_and_its_user_come_in_one_statement(parent_client, blanchard):
    parent_client.get("/Clairoix/accueil/")  # this process learns whose session it is
    with CaptureQueriesContext(connection) as queries:
        page = parent_client.get("/Clairoix/accueil/").content.decode()
    assert "Bonjour Bertrand" in page
    reads = [q["sql"] for q in queries.captured_queries if "accounts_user" in q["sql"]]
    assert len(reads) == 1 and "django_session" in reads[0], reads


def test_a_session_hinted_at_another_user_still_gives_its_own(parent_client, blanchard):
    stranger = UserFactory(email="agnes@example.org", first_name="Agnès")
    parent_client.get("/Clairoix/accueil/")
    key = parent_client.cookies[CLAIROIX_COOKIE].value
    sessions._hints[("c_clairoix", key)] = stranger.pk  # as if it were the stranger's
    page = parent_client.get("/Clairoix/accueil/").content.decode()
    assert "Bonjour Bertrand" in page and "Agnès" not in page
    assert "Maxime" in page  # his household, not the stranger's (none)


def test_the_household_comes_with_the_session(parent_client, blanchard):
    parent_client.get("/Clairoix/accueil/")  # this process learns whose session it is
    with CaptureQueriesContext(connection) as queries:
        response = parent_client.get("/Clairoix/accueil/")
    assert response.status_code == 200
    assert "Maxime" in response.content.decode()  # the household's children
    reads = [q["sql"] for q in queries.captured_queries if "portal_household" in q["sql"]]
    assert len(reads) == 1 and "django_session" in reads[0], reads


def test_a_household_changed_shows_at_the_next_request(parent_client, blanchard):
    page = "/Clairoix/coordonnees/vos-coordonnees/"
    parent_client.get(page)
    household = blanchard.household
    household.street_name = "Rue des Tilleuls"
    household.save(update_fields=["street_name"])
    assert "Rue des Tilleuls" in parent_client.get(page).content.decode()
    # Bertrand moved to another household: his pages show it at once.
    from tests.portal.factories import HouseholdFactory

    other = HouseholdFactory(name="MARCHAND", street_name="Allée des Saules")
    guardian = blanchard.user.guardian
    guardian.household = other
    guardian.save(update_fields=["household"])
    assert "Allée des Saules" in parent_client.get(page).content.decode()


def test_an_account_without_household_still_gets_404(client, blanchard):
    UserFactory(email="agnes@example.org", first_name="Agnès")
    login(client, "Clairoix", "agnes@example.org")
    client.get("/Clairoix/accueil/")  # the session's user is known: the joined statement
    assert client.get("/Clairoix/coordonnees/vos-coordonnees/").status_code == 404


def _session_statements_prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%django_session%"],
        )
        return sorted(row[0] for row in cursor.fetchall())


def test_the_session_statement_is_prepared_once_per_connection(parent_client, blanchard):
    assert parent_client.get("/Clairoix/accueil/").status_code == 200
    prepared = _session_statements_prepared()
    # The session with its user and household (the login told this process whose session
    # it is), prepared on this connection: PostgreSQL plans it once, not at every request.
    assert any("preau_h" in statement for statement in prepared), prepared
    for _ in range(3):
        assert parent_client.get("/Clairoix/accueil/").status_code == 200
    assert _session_statements_prepared() == prepared
