"""The known inputs that answered 500: each now gets a French message, a 400 or a 404."""

import pytest
from django.test import Client

from portal import roles
from tests.factories import PASSWORD, UserFactory
from tests.test_fuzz import world  # noqa: F401 - fixture


@pytest.fixture
def staff(in_clairoix):
    user = UserFactory(email="admin@clairoix.test", is_staff=True)
    roles.give_role(user, roles.ADMINISTRATEUR)
    client = Client()
    client.post("/Clairoix/admin/login/", {"username": user.email, "password": PASSWORD})
    return client


@pytest.mark.parametrize(
    "path",
    ["/Clairoix/reservations/cant/compte/", "/Clairoix/reservations/cant/factures/"],
)
def test_a_date_far_in_the_future_gets_a_french_message(parent_client, world, path):  # noqa: F811
    response = parent_client.get(path, {"du": "2026-01-01", "au": "9999-12-31"})
    assert response.status_code == 200
    assert "Choisissez une date entre le 01/01/2000 et le 31/12/2099" in response.content.decode()


def test_admin_totals_with_a_date_far_in_the_future(staff, world):  # noqa: F811
    response = staff.get(
        "/Clairoix/admin/ledger/document/totaux/", {"du": "2026-01-01", "au": "9999-12-31"}
    )
    assert response.status_code == 200
    assert "Choisissez une date entre le" in response.content.decode()


def test_a_nul_byte_in_a_document_number_or_an_idop_is_a_400(parent_client, world):  # noqa: F811
    assert parent_client.get("/Clairoix/reservations/cant/compte/%00/").status_code == 400
    response = Client().post("/Clairoix/paiement/notification/", {"idOp": "a\x00b"})
    assert response.status_code == 400
    assert "Requête invalide" in response.content.decode()
    assert Client().get("/%00/").status_code == 400


def test_a_login_e_mail_over_255_characters_is_refused_with_a_message(blanchard):
    response = Client().post(
        "/Clairoix/", {"username": "a" * 300 + "@example.org", "password": "x"}
    )
    assert response.status_code == 200
    assert "au plus 254 caractères" in response.content.decode()
    admin = Client().post(
        "/Clairoix/admin/login/", {"username": "a" * 300 + "@example.org", "password": "x"}
    )
    assert admin.status_code == 200


def test_kitchen_list_with_a_site_that_is_not_a_number(staff, world):  # noqa: F811
    response = staff.get("/Clairoix/gestion/cuisine/", {"site": "abc"})
    assert response.status_code == 200


def test_a_non_numeric_id_in_an_autocomplete_field_is_a_form_error(staff, world):  # noqa: F811
    response = staff.post(
        "/Clairoix/admin/portal/child/add/",
        {"household": "abc", "last_name": "X", "first_name": "Y", "birth_date": "2018-01-01"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_a_percent_sign_in_a_planning_groups_days_is_a_form_error(staff, world):  # noqa: F811
    from booking.models import PlanningGroup

    group = PlanningGroup.objects.first()
    response = staff.post(
        f"/Clairoix/admin/booking/planninggroup/{group.pk}/change/",
        {"name": group.name, "weekdays": ["%n", "0"]},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    group.refresh_from_db()
    done = staff.post(
        f"/Clairoix/admin/booking/planninggroup/{group.pk}/change/",
        {"name": group.name, "weekdays": ["0", "1", "3"]},
    )
    assert done.status_code == 302
    group.refresh_from_db()
    assert group.weekdays == [0, 1, 3]


def test_a_garbled_inline_post_on_an_account_is_not_a_500(staff, world):  # noqa: F811
    account = world["document"].account_id
    response = staff.post(
        f"/Clairoix/admin/ledger/account/{account}/change/",
        {
            "documents-TOTAL_FORMS": "1",
            "documents-INITIAL_FORMS": "1",
            "documents-0-id": "pas-un-id",
        },
    )
    assert response.status_code < 500
