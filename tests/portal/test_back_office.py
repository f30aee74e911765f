import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from notifications.models import OutboxEmail
from portal import services
from portal.accounts.tokens import access_token_generator
from portal.models import ContactDetailsChange, ContactMessage, Guardian
from tests.factories import PASSWORD, UserFactory
from tests.portal.factories import HouseholdFactory

NEW_ACCOUNT = {
    "household": None,
    "rank": "1",
    "civility": "MME",
    "email": "Sophie.Leroy@example.org",
    "last_name": "Leroy",
    "first_name": "Sophie",
    "mobile_phone": "0612345679",
    "work_phone": "",
    "work_extension": "",
}


@pytest.fixture
def agent_client(client, in_clairoix):
    UserFactory(email="agent@clairoix.test", is_staff=True, is_superuser=True)
    client.post("/Clairoix/admin/login/", {"username": "agent@clairoix.test", "password": PASSWORD})
    return client


def create_account(agent_client, **changes):
    household = HouseholdFactory(name="LEROY")
    data = {**NEW_ACCOUNT, "household": household.pk, **changes}
    return agent_client.post("/Clairoix/admin/portal/guardian/add/", data)


def access_link(email):
    return re.search(
        r"http://testserver(/Clairoix/mot-de-passe/choisir/\S+/)", email.body_text
    ).group(1)


def test_creating_a_parent_account_sends_the_access_email_without_any_password(agent_client):
    response = create_account(agent_client)
    assert response.status_code == 302, response.context["adminform"].form.errors
    guardian = Guardian.objects.select_related("user").get(
        user__email__iexact="sophie.leroy@example.org"
    )
    assert not guardian.user.has_usable_password()
    assert not guardian.user.is_staff
    assert guardian.mobile_phone == "06 12 34 56 79"

    email = OutboxEmail.objects.get(template="portal/access")
    assert email.to_email == guardian.user.email
    assert "http://testserver/Clairoix/" in email.body_text  # the direct link to the portal
    assert f"Votre identifiant : {guardian.user.email}" in email.body_text
    assert "valable 7 jours" in email.body_text
    assert "Mot de passe :" not in email.body_text and guardian.user.password not in email.body_text


def test_access_link_works_once_then_the_parent_logs_in(agent_client, client):
    create_account(agent_client)
    link = access_link(OutboxEmail.objects.get(template="portal/access"))
    agent_client.logout()
    chosen = "Une-longue-phrase-de-passe"
    assert (
        client.post(link, {"new_password1": chosen, "new_password2": chosen})["Location"]
        == "/Clairoix/"
    )
    assert client.get(link).status_code == 410
    assert (
        client.post(
            "/Clairoix/", {"username": "sophie.leroy@example.org", "password": chosen}
        ).status_code
        == 302
    )


def test_access_link_expires_after_seven_days(agent_client, monkeypatch):
    real_now = access_token_generator._now
    monkeypatch.setattr(
        access_token_generator, "_now", lambda: real_now() - timedelta(days=7, minutes=1)
    )
    create_account(agent_client)
    monkeypatch.setattr(access_token_generator, "_now", real_now)
    agent_client.logout()
    assert agent_client.get(access_link(OutboxEmail.objects.get())).status_code == 410


def test_access_email_can_be_sent_again_and_a_reset_link_sent(agent_client):
    create_account(agent_client)
    guardian = Guardian.objects.get(user__email__iexact="sophie.leroy@example.org")
    for action in ("send_access_email", "send_password_link"):
        response = agent_client.post(
            "/Clairoix/admin/portal/guardian/",
            {"action": action, "_selected_action": [guardian.pk]},
        )
        assert response.status_code == 302
    templates = list(OutboxEmail.objects.order_by("pk").values_list("template", flat=True))
    assert templates == ["portal/access", "portal/access", "portal/password_reset"]


def test_an_email_already_used_is_refused_and_nothing_created(agent_client, blanchard):
    response = create_account(agent_client, email="BERTRAND.blanchard@example.org")
    assert response.status_code == 200
    assert "déjà utilisée" in str(response.context["adminform"].form.errors["email"])
    assert not OutboxEmail.objects.exists()


def test_households_are_searchable_by_name_and_email(agent_client, blanchard, dupont):
    by_name = agent_client.get("/Clairoix/admin/portal/household/?q=blanch").content.decode()
    assert "BLANCHARD" in by_name and "DUPONT" not in by_name
    by_email = agent_client.get("/Clairoix/admin/portal/household/?q=anne.dupont").content.decode()
    assert "DUPONT" in by_email and "BLANCHARD" not in by_email


def test_messages_and_contact_changes_are_listed(agent_client, blanchard):
    ContactMessage.objects.create(
        household=blanchard.household, author=blanchard.user, subject="Allergie", body="Arachide"
    )
    ContactDetailsChange.objects.create(
        household=blanchard.household,
        author=blanchard.user,
        changes=[{"label": "Code postal", "old": "60280", "new": "60200"}],
    )
    assert "Allergie" in agent_client.get("/Clairoix/admin/portal/contactmessage/").content.decode()
    changes = agent_client.get("/Clairoix/admin/portal/contactdetailschange/").content.decode()
    assert "Code postal : 60280 → 60200" in changes


def changed_guardian(guardian, **changes):
    data = {
        "household": guardian.household_id,
        "rank": str(guardian.rank),
        "civility": guardian.civility,
        "email": guardian.user.email,
        "last_name": guardian.user.last_name,
        "first_name": guardian.user.first_name,
        "mobile_phone": guardian.mobile_phone,
        "work_phone": guardian.work_phone,
        "work_extension": guardian.work_extension,
    }
    return {**data, **changes}


def test_changing_a_guardian_writes_their_login_and_their_phones(agent_client, blanchard):
    response = agent_client.post(
        f"/Clairoix/admin/portal/guardian/{blanchard.pk}/change/",
        changed_guardian(blanchard, email="b.blanchard@example.org", mobile_phone="0612345670"),
    )
    assert response.status_code == 302
    blanchard.refresh_from_db()
    blanchard.user.refresh_from_db()
    assert blanchard.user.email == "b.blanchard@example.org"
    assert blanchard.mobile_phone == "06 12 34 56 70"


def test_a_guardian_cannot_take_another_accounts_email(agent_client, blanchard, dupont):
    response = agent_client.post(
        f"/Clairoix/admin/portal/guardian/{blanchard.pk}/change/",
        changed_guardian(blanchard, email="ANNE.dupont@example.org"),
    )
    assert response.status_code == 200
    assert "déjà utilisée" in str(response.context["adminform"].form.errors["email"])
    # The service refuses it too, whoever calls it (an API, a script), and writes nothing.
    with pytest.raises(ValidationError) as refused:
        services.update_parent_account(
            guardian=blanchard,
            **{
                **changed_guardian(blanchard, email="Anne.Dupont@example.org"),
                "household": blanchard.household,
                "rank": blanchard.rank,
            },
        )
    assert "déjà utilisée" in str(refused.value.message_dict["email"])
    blanchard.user.refresh_from_db()
    assert blanchard.user.email == "bertrand.blanchard@example.org"
