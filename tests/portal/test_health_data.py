"""Issue 15, diets and allergies: health data (RGPD art. 9). Parents declare, the commune
validates; only validated data reach the kitchen; staff with the Agent role or above see
them, each view logged; Lecture and other families never."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import selectors as booking_selectors
from booking import services as booking_services
from booking.models import Reservation
from portal import roles, selectors, services
from portal.models import ChildHealth, HealthDataAccess, HealthDeclaration, JournalEntry
from tests.factories import agent_client

CHILDREN = "/Clairoix/coordonnees/enfants/"
PENDING = "/Clairoix/gestion/sante/"


def children(blanchard):
    household = blanchard.household
    return household.children.get(first_name="Maxime"), household.children.get(first_name="Léa")


def validated(agent, child, **values):
    declaration = services.health_declare(
        household=child.household, child=child, author=agent, **values
    )
    return services.health_declaration_review(
        actor=agent, declaration_id=declaration.pk, accept=True
    )


def test_a_parent_declares_and_nothing_reaches_the_kitchen_before_validation(
    parent_client, blanchard
):
    maxime, _lea = children(blanchard)
    page = parent_client.get("/Clairoix/coordonnees/").content.decode()
    assert "Enfants : régime, allergies, PAI" in page
    response = parent_client.post(
        CHILDREN,
        {
            "enfant": str(maxime.pk),
            "diet": "no_pork",
            "allergens": ["peanuts", "eggs"],
            "allergies_other": "kiwi",
            "pai": "on",
            "pai_end": "03/07/2027",
        },
    )
    assert response.status_code == 302
    declaration = HealthDeclaration.objects.get()
    assert (declaration.child, declaration.status, declaration.declared_by) == (
        maxime,
        "pending",
        blanchard.user,
    )
    assert declaration.allergens == ["peanuts", "eggs"]
    assert declaration.pai_end == datetime.date(2027, 7, 3)
    assert not ChildHealth.objects.exists()  # not validated: the kitchen sees nothing
    assert selectors.diets_of([maxime.pk]) == {}
    page = parent_client.get(CHILDREN, {"enfant": maxime.pk}).content.decode()
    assert "en attente de validation" in page

    # A PAI needs its end date; a made-up allergen is refused; nothing is written.
    for bad in ({"pai": "on", "pai_end": ""}, {"allergens": ["poison"]}, {"diet": "keto"}):
        response = parent_client.post(CHILDREN, {"enfant": str(maxime.pk), **bad})
        assert response.status_code == 400
    assert HealthDeclaration.objects.count() == 1


def test_a_parent_cannot_reach_another_households_child(parent_client, blanchard, dupont):
    zoe = dupont.household.children.get()
    assert parent_client.get(CHILDREN, {"enfant": zoe.pk}).status_code == 404
    response = parent_client.post(CHILDREN, {"enfant": str(zoe.pk), "diet": "no_meat"})
    assert response.status_code == 404
    assert parent_client.get(CHILDREN, {"enfant": "abc"}).status_code == 404
    assert not HealthDeclaration.objects.exists()


def test_the_commune_validates_or_refuses_with_a_journal_row_naming_no_health_data(blanchard):
    maxime, lea = children(blanchard)
    for child, diet in ((maxime, "vegetarian"), (lea, "no_pork")):
        services.health_declare(
            household=blanchard.household,
            child=child,
            author=blanchard.user,
            diet=diet,
            allergies_other="arachide",
        )
    client, agent = agent_client(roles.AGENT)
    page = client.get(PENDING).content.decode()
    assert "Maxime" in page and "Léa" in page and "végétarien" in page
    # Viewing the pending list is a view of health data: logged, one row per child.
    assert set(HealthDataAccess.objects.values_list("child_id", "page", "viewer_id")) == {
        (maxime.pk, "gestion/sante", agent.pk),
        (lea.pk, "gestion/sante", agent.pk),
    }
    ids = {d.child_id: d.pk for d in HealthDeclaration.objects.all()}
    assert client.post(f"{PENDING}{ids[maxime.pk]}/", {"decision": "valider"}).status_code == 302
    assert client.post(f"{PENDING}{ids[lea.pk]}/", {"decision": "refuser"}).status_code == 302
    assert ChildHealth.objects.get().child == maxime
    assert ChildHealth.objects.get().diet == "vegetarian"
    assert dict(HealthDeclaration.objects.values_list("child_id", "status")) == {
        maxime.pk: "validated",
        lea.pk: "refused",
    }
    entries = JournalEntry.objects.filter(action__startswith="health.").order_by("pk")
    assert [e.action for e in entries] == ["health.validate", "health.refuse"]
    assert all("arachide" not in e.summary and "végétarien" not in e.summary for e in entries)
    # Treated once: a second click changes nothing.
    client.post(f"{PENDING}{ids[lea.pk]}/", {"decision": "valider"})
    assert ChildHealth.objects.count() == 1


@pytest.mark.parametrize("role", [roles.LECTURE, roles.REGISSEUR])
def test_read_only_and_money_staff_never_see_health_data(blanchard, role):
    maxime, _lea = children(blanchard)
    _client, admin = agent_client(roles.ADMINISTRATEUR)
    validated(
        admin,
        maxime,
        diet="no_pork",
        allergens=["peanuts"],
        pai=True,
        pai_end=datetime.date(2099, 1, 1),
    )
    client, user = agent_client(role)
    assert not user.has_perm("portal.read_health_data")
    assert not user.has_perm("portal.view_childhealth")
    assert client.get(PENDING).status_code == 403
    page = client.get(f"/Clairoix/gestion/familles/{blanchard.household_id}/").content.decode()
    assert "Régimes, allergies et PAI" not in page and "arachide" not in page
    assert selectors.health_badges(children=[maxime], viewer=user, page="x") == {}
    assert not HealthDataAccess.objects.filter(viewer=user).exists()


def test_an_agent_sees_them_on_the_family_page_and_each_view_is_logged(blanchard):
    maxime, lea = children(blanchard)
    client, agent = agent_client(roles.AGENT)
    validated(agent, maxime, diet="no_pork", allergens=["peanuts"], allergies_other="kiwi")
    page = client.get(f"/Clairoix/gestion/familles/{blanchard.household_id}/").content.decode()
    assert "Régimes, allergies et PAI" in page
    assert "sans porc" in page and "arachide, kiwi" in page
    rows = list(HealthDataAccess.objects.values_list("viewer_id", "child_id", "page"))
    assert rows == [(agent.pk, maxime.pk, f"gestion/familles/{blanchard.household_id}")]


def test_health_badges_for_the_attendance_page_in_two_queries(blanchard):
    maxime, lea = children(blanchard)
    _client, agent = agent_client(roles.AGENT)
    validated(agent, maxime, pai=True, pai_end=datetime.date(2099, 1, 1))
    validated(agent, lea, pai=True, pai_end=datetime.date(2020, 1, 1))  # expired
    HealthDataAccess.objects.all().delete()
    assert agent.has_perm("portal.read_health_data")  # the request's permissions, loaded once
    with CaptureQueriesContext(connection) as queries:
        badges = selectors.health_badges(
            children=[maxime, lea], viewer=agent, page="gestion/pointage"
        )
    assert len(queries) == 2  # the read, one insert
    assert badges[maxime.pk].pai and not badges[lea.pk].pai
    assert HealthDataAccess.objects.filter(page="gestion/pointage").count() == 2


def test_the_kitchen_counts_diets_names_allergies_and_its_csv_has_no_free_text(
    canteen_2027, blanchard, dupont
):
    from tests.booking.factories import EnrolmentFactory, paris

    canteen, day, now = canteen_2027, datetime.date(2027, 1, 4), paris(2026, 12, 15, 9, 0)
    maxime, lea = children(blanchard)
    zoe = dupont.household.children.get()
    EnrolmentFactory(
        child=zoe, service=canteen.service, site=canteen.site, planning_group=canteen.elementary
    )
    # The wanted set is the household's whole booking: one order per household.
    for guardian, kids in ((blanchard, (maxime, lea)), (dupont, (zoe,))):
        order = booking_services.draft_order(
            household=guardian.household,
            service=canteen.service,
            wanted_keys={booking_selectors.cell_key(c.pk, canteen.meal.pk, day) for c in kids},
            created_by=guardian.user,
            now=now,
        )
        booking_services.validate_order(
            order=order, household=guardian.household, now=now, allow_debit=True
        )
    assert Reservation.objects.filter(day=day, status="confirmed").count() == 3
    _c, admin = agent_client(roles.ADMINISTRATEUR)
    validated(admin, maxime, diet="no_pork", allergies_other="kiwi")
    validated(admin, zoe, diet="no_pork")
    # Léa's declaration is pending: it does not count.
    services.health_declare(
        household=blanchard.household, child=lea, author=blanchard.user, diet="vegetarian"
    )
    HealthDataAccess.objects.all().delete()

    client, agent = agent_client(roles.AGENT)
    page = client.get("/Clairoix/gestion/cuisine/", {"jour": f"{day:%Y-%m-%d}"}).content.decode()
    assert "Régimes : sans porc 2" in page and "végétarien" not in page
    assert "Allergies et PAI" in page and "kiwi" in page
    assert list(HealthDataAccess.objects.values_list("child_id", "page")) == [
        (maxime.pk, "gestion/cuisine")
    ]
    lecture, _user = agent_client(roles.LECTURE)
    page = lecture.get("/Clairoix/gestion/cuisine/", {"jour": f"{day:%Y-%m-%d}"}).content.decode()
    assert "Régimes : sans porc 2" in page  # counts only, no name
    assert "kiwi" not in page and "Allergies et PAI" not in page

    response = client.get(
        "/Clairoix/gestion/cuisine/semaine/", {"jour": f"{day:%Y-%m-%d}", "format": "csv"}
    )
    content = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0] == ["Date", "Site", "Repas", "Enfants", "Sans porc", "Sans viande", "Végétarien"]
    assert [
        f"{day:%d/%m/%Y}",
        "Restaurant scolaire de Clairoix",
        "Repas",
        "3",
        "2",
        "0",
        "0",
    ] in rows
    day_csv = client.get(
        "/Clairoix/gestion/cuisine/", {"jour": f"{day:%Y-%m-%d}", "format": "csv"}
    ).content.decode("utf-8-sig")
    for text in (content, day_csv):
        assert "kiwi" not in text and "arachide" not in text


def test_the_demo_has_two_guardians_for_blanchard_and_diets_on_the_kitchen_list(in_clairoix):
    from portal import demo
    from portal.models import Guardian

    demo.load(in_clairoix)
    demo.load(in_clairoix)  # idempotent
    guardians = Guardian.objects.filter(household__name="BLANCHARD").order_by("rank")
    assert [(g.rank, g.user.email) for g in guardians] == [
        (1, "bertrand.blanchard@example.org"),
        (2, "nathalie.roussel@example.org"),
    ]
    assert all(g.user.check_password(demo.DEMO_PASSWORD) for g in guardians)
    maxime = ChildHealth.objects.get(child__first_name="Maxime", child__household__name="BLANCHARD")
    assert (maxime.diet, maxime.pai) == ("no_pork", True)
    assert ChildHealth.objects.filter(diet="no_pork").count() >= 3
    assert HealthDeclaration.objects.filter(status="pending").count() == 1
