"""Issue 15, several guardians: a household has one or more guardians, each with their own
login; staff add one from the family page; each sees the children, books and edits their
own details; the commune marks one payeur per service, the invoices' addressee."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from notifications.models import OutboxEmail
from portal import roles
from portal.models import ContactDetailsChange, Guardian, Household, JournalEntry
from tests.booking.pages import PLANNING, RECAP, first_free_cells, grid
from tests.factories import PASSWORD, UserFactory, agent_client
from tests.ledger.factories import ServiceBookFactory, invoice, meal
from tests.portal.factories import GuardianFactory

COORDS = "/Clairoix/coordonnees/vos-coordonnees/"


def add_url(household_id):
    return f"/Clairoix/gestion/familles/{household_id}/responsables/ajouter/"


NEW = {
    "civility": "MME",
    "last_name": "Martin",
    "first_name": "Sophie",
    "email": "sophie.martin@example.org",
    "mobile_phone": "0611223344",
    "work_phone": "",
}


@pytest.fixture
def sophie(blanchard):
    """Léa's and Maxime's mother, second guardian of the BLANCHARD household."""
    return GuardianFactory(
        household=blanchard.household,
        rank=Guardian.Rank.SECOND,
        civility="MME",
        user=UserFactory(
            email="sophie.martin@example.org", first_name="Sophie", last_name="MARTIN"
        ),
        mobile_phone="07 00 00 00 01",
    )


def logged_in(email):
    client = Client()
    assert client.post("/Clairoix/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


def test_staff_add_guardians_each_with_a_login_and_an_access_email(blanchard):
    client, agent = agent_client(roles.AGENT)
    household_id = blanchard.household_id
    page = client.get(f"/Clairoix/gestion/familles/{household_id}/").content.decode()
    assert "Ajouter un responsable" in page

    response = client.post(add_url(household_id), NEW)
    assert response.status_code == 302
    added = Guardian.objects.get(user__email="sophie.martin@example.org")
    assert (added.household_id, added.rank, added.mobile_phone) == (
        household_id,
        2,
        "06 11 22 33 44",
    )
    assert not added.user.has_usable_password()
    email = OutboxEmail.objects.get(to_email="sophie.martin@example.org")
    assert email.template == "portal/access"
    entry = JournalEntry.objects.get(action="family.guardian_add")
    assert (entry.household_id, entry.actor_id) == (household_id, agent.pk)
    assert "Responsable 2" in entry.summary

    # No two-guardian limit: a third (a step-parent with parental authority, say).
    third = {**NEW, "email": "paul@example.org", "first_name": "Paul", "civility": "M"}
    assert client.post(add_url(household_id), third).status_code == 302
    ranks = list(Guardian.objects.filter(household_id=household_id).values_list("rank", flat=True))
    assert sorted(ranks) == [1, 2, 3]
    page = client.get(f"/Clairoix/gestion/familles/{household_id}/").content.decode()
    assert "Responsable 3" in page and "paul@example.org" in page


def test_an_email_already_used_is_refused_and_nothing_is_created(blanchard, dupont):
    client, _agent = agent_client(roles.AGENT)
    for taken in ("anne.dupont@example.org", "ANNE.DUPONT@example.org"):
        response = client.post(add_url(blanchard.household_id), {**NEW, "email": taken})
        assert response.status_code == 400
        assert "Cette adresse e-mail est déjà utilisée." in response.content.decode()
    assert Guardian.objects.filter(household=blanchard.household).count() == 1
    assert not OutboxEmail.objects.exists()
    assert not JournalEntry.objects.filter(action="family.guardian_add").exists()


def test_read_only_staff_cannot_add_a_guardian(blanchard):
    client, _user = agent_client(roles.LECTURE)
    assert client.post(add_url(blanchard.household_id), NEW).status_code == 403
    assert Guardian.objects.filter(household=blanchard.household).count() == 1
    assert client.get(add_url(999999)).status_code == 403


def test_each_guardian_sees_the_children_and_books(canteen, blanchard, sophie):
    ledger_services.record_payment(
        household=blanchard.household,
        service_code="cant",
        amount=Decimal("20.00"),
        mode="cash",
        recorded_by=blanchard.user,
        idempotency_key="prepaid",
    )
    for guardian, child in ((blanchard, "Maxime"), (sophie, "Léa")):
        client = logged_in(guardian.user.email)
        home = client.get("/Clairoix/accueil/").content.decode()
        assert "Maxime" in home and "Léa" in home
        booked = [
            cell.key
            for tab in grid(client).children
            for kind in tab.kinds
            for month in kind.months
            for cell in month.cells
            if cell.checked
        ]
        cell = next(c for c in first_free_cells(client, child, 3) if not c.checked)
        response = client.post(
            PLANNING, {**dict.fromkeys(booked, "on"), cell.key: "on", "finalize": "1"}
        )
        assert response["Location"] == RECAP
        done = client.post("/Clairoix/reservations/cant/valider/", follow=True)
        assert "Vos réservations et annulations sont enregistrées" in done.content.decode()
    booked = blanchard.household.children.filter(reservation__status="confirmed")
    assert sorted(booked.values_list("first_name", flat=True)) == ["Léa", "Maxime"]
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("10.60")


def test_each_guardian_edits_their_own_details_and_the_shared_ones(blanchard, sophie):
    client = logged_in("sophie.martin@example.org")
    form = client.get(COORDS).context["form"]
    assert "guardian2_mobile_phone" in form.fields
    assert "guardian1_mobile_phone" not in form.fields  # Bertrand's are his own
    page = client.get(COORDS).content.decode()
    assert "Responsable 1" in page and "bertrand.blanchard@example.org" in page
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "guardian2_mobile_phone": "0781223344",
            "street_name": "rue Neuve",
            "guardian1_mobile_phone": "0600000009",  # not hers: ignored
        }
    )
    assert client.post(COORDS, data).status_code == 302

    blanchard.refresh_from_db()
    sophie.refresh_from_db()
    assert sophie.mobile_phone == "07 81 22 33 44"
    assert blanchard.mobile_phone == "06 12 34 56 78"
    assert Household.objects.get(pk=blanchard.household_id).street_name == "rue Neuve"
    change = ContactDetailsChange.objects.get()
    assert change.author == sophie.user
    notice = OutboxEmail.objects.get(template="portal/contact_details_changed")
    assert notice.reply_to == "sophie.martin@example.org"
    assert "par MARTIN Sophie (Responsable 2, sophie.martin@example.org)" in notice.body_text
    listed = [line for line in notice.body_text.splitlines() if line.startswith("- ")]
    assert listed == [
        "- Nom voie : « rue des Écoles » → « rue Neuve »",
        "- Portable — Responsable 2 (MARTIN Sophie) : « 07 00 00 00 01 » → « 07 81 22 33 44 »",
    ]


# The payeur -------------------------------------------------------------------------------


def payer_url(household_id):
    return f"/Clairoix/gestion/familles/{household_id}/payeur/"


def test_the_payer_is_the_invoices_addressee_marked_by_the_commune(blanchard, sophie, dupont):
    ServiceBookFactory()
    maxime = blanchard.household.children.get(first_name="Maxime")
    before = invoice(blanchard, [meal(maxime, datetime.date(2027, 1, 4))])
    assert before.snapshot["recipient_name"] == "Monsieur BLANCHARD Bertrand"  # default: R1

    client, regisseur = agent_client(roles.REGISSEUR)
    page = client.get(f"/Clairoix/gestion/familles/{blanchard.household_id}/").content.decode()
    assert "Payeur par service" in page and "(par défaut)" in page
    response = client.post(
        payer_url(blanchard.household_id), {"service": "cant", "guardian": str(sophie.pk)}
    )
    assert response.status_code == 302
    assert ledger_selectors.payer_of(household=blanchard.household, service_code="cant") == sophie
    entry = JournalEntry.objects.get(action="ledger.payer")
    assert (entry.actor_id, entry.household_id) == (regisseur.pk, blanchard.household_id)
    assert "Madame MARTIN Sophie" in entry.summary

    after = invoice(blanchard, [meal(maxime, datetime.date(2027, 1, 5))])
    assert after.snapshot["recipient_name"] == "Madame MARTIN Sophie"
    assert "rue des Écoles" in after.snapshot["recipient_address"]
    before.refresh_from_db()
    assert before.snapshot["recipient_name"] == "Monsieur BLANCHARD Bertrand"  # issued: frozen

    # Another household's guardian, an unknown service, garbage: refused, nothing changes.
    for data in (
        {"service": "cant", "guardian": str(dupont.pk)},
        {"service": "nope", "guardian": str(blanchard.pk)},
        {"service": "cant", "guardian": "x" * 40},
    ):
        assert client.post(payer_url(blanchard.household_id), data).status_code == 302
    assert ledger_selectors.payer_of(household=blanchard.household, service_code="cant") == sophie
    assert JournalEntry.objects.filter(action="ledger.payer").count() == 1


@pytest.mark.parametrize("role", [roles.AGENT, roles.LECTURE])
def test_only_money_roles_mark_the_payer(blanchard, sophie, role):
    ServiceBookFactory()
    client, _user = agent_client(role)
    response = client.post(
        payer_url(blanchard.household_id), {"service": "cant", "guardian": str(sophie.pk)}
    )
    assert response.status_code == 403
    assert (
        ledger_selectors.payer_of(household=blanchard.household, service_code="cant") == blanchard
    )
