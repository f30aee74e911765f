"""Issue 14: the register's pages (gestion/pointage/) and the parents' "Signaler une absence"."""

import datetime
import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from booking import selectors
from booking.models import AbsenceJustification, Attendance, JustificationFile
from portal import roles
from tests.booking.factories import ReservationFactory, enrol
from tests.factories import PASSWORD, agent_client

TODAY = datetime.date.today()


@pytest.fixture
def register(canteen, blanchard, dupont):
    """Today: Maxime and Léa booked; Zoé (DUPONT) enrolled, not booked."""
    canteen.service.unbooked_meal_price = Decimal("6.50")
    canteen.service.save()
    enrol(canteen, dupont.household.children.get())
    for child in blanchard.household.children.all():
        ReservationFactory(child=child, meal_kind=canteen.meal, site=canteen.site, day=TODAY)
    return canteen


def tap(client, canteen, pupil, is_present, when=TODAY, **extra):
    return client.post(
        "/Clairoix/gestion/pointage/pointer/",
        {
            "service": canteen.service.pk,
            "site": canteen.site.pk,
            "day": when.isoformat(),
            "child": pupil.pk,
            "meal_kind": canteen.meal.pk,
            "present": "1" if is_present else "0",
            **extra,
        },
    )


def test_agent_takes_the_register(register, blanchard, dupont):
    client, _agent = agent_client(roles.AGENT)
    page = client.get("/Clairoix/gestion/pointage/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "BLANCHARD Maxime" in text and "2 enfants attendus" in text
    maxime = blanchard.household.children.get(first_name="Maxime")
    zoe = dupont.household.children.get()

    for _attempt in range(2):  # a retried tap is harmless
        response = tap(client, register, maxime, True)
        assert response.status_code == 200 and response.json() == {"ok": True, "present": True}
    found = client.get(
        "/Clairoix/gestion/pointage/recherche/",
        {"service": register.service.pk, "site": register.site.pk, "q": "zo"},
    ).json()
    assert [c["name"] for c in found["children"]] == ["DUPONT Zoé"]
    assert tap(client, register, zoe, True).status_code == 200
    assert Attendance.objects.filter(day=TODAY, present=True).count() == 2

    closed = client.post(
        "/Clairoix/gestion/pointage/clore/",
        {"service": register.service.pk, "site": register.site.pk, "day": TODAY.isoformat()},
    )
    assert closed.status_code == 302
    refused = tap(client, register, zoe, False)
    assert refused.status_code == 409 and "régisseur" in refused.json()["error"]
    assert "sans réservation" in client.get("/Clairoix/gestion/pointage/").content.decode()


def test_bad_taps_change_nothing(register, blanchard):
    client, _agent = agent_client(roles.AGENT)
    maxime = blanchard.household.children.get(first_name="Maxime")
    for extra in ({"present": "2"}, {"child": "999999"}, {"meal_kind": "x"}, {"day": "2027-13-01"}):
        assert tap(client, register, maxime, True, **extra).status_code in (400, 409)
    assert not Attendance.objects.exists()


def test_reading_role_cannot_tap(register, blanchard):
    client, _user = agent_client(roles.LECTURE)
    assert client.get("/Clairoix/gestion/pointage/").status_code == 403
    maxime = blanchard.household.children.get(first_name="Maxime")
    assert tap(client, register, maxime, True).status_code == 403


def test_parent_reports_an_absence_with_a_certificate(register, parent_client, blanchard, dupont):
    maxime = blanchard.household.children.get(first_name="Maxime")
    planning = parent_client.get("/Clairoix/reservations/cant/reservation/")
    assert "Signaler une absence" in planning.content.decode()
    response = parent_client.post(
        "/Clairoix/reservations/cant/absence/",
        {
            "child": maxime.pk,
            "first_day": TODAY.isoformat(),
            "reason": "illness",
            "file": SimpleUploadedFile("certificat.pdf", b"%PDF-1.4 ok", "application/pdf"),
        },
    )
    assert response.status_code == 302
    justification = AbsenceJustification.objects.get()
    assert justification.credit_note_id is not None
    stored = justification.file
    url = f"/Clairoix/reservations/cant/absence/justificatifs/{stored.pk}/"
    download = parent_client.get(url)
    assert download.status_code == 200 and download.content == b"%PDF-1.4 ok"
    assert download["Content-Type"] == "application/pdf"

    other = Client()
    assert (
        other.post("/Clairoix/", {"username": dupont.user.email, "password": PASSWORD}).status_code
        == 302
    )
    assert other.get(url).status_code == 404  # another family never sees it
    for bad in ("x", "1" * 40):  # a parent's URL may carry anything: 404, never 500
        assert (
            parent_client.get(
                f"/Clairoix/reservations/cant/absence/justificatifs/{bad}/"
            ).status_code
            == 404
        )
    staff, _agent = agent_client(roles.AGENT)
    assert staff.get(f"/Clairoix/gestion/pointage/justificatifs/{stored.pk}/").status_code == 200


def test_parent_upload_checked_by_content(register, parent_client, blanchard):
    maxime = blanchard.household.children.get(first_name="Maxime")
    response = parent_client.post(
        "/Clairoix/reservations/cant/absence/",
        {
            "child": maxime.pk,
            "first_day": TODAY.isoformat(),
            "reason": "illness",
            # Named .pdf, but an executable's first bytes.
            "file": SimpleUploadedFile("certificat.pdf", b"MZ\x90\x00", "application/pdf"),
        },
    )
    assert response.status_code == 200
    assert "PDF, JPEG ou PNG" in response.content.decode()
    assert not AbsenceJustification.objects.exists() and not JustificationFile.objects.exists()


def test_agent_records_a_justification(register, blanchard):
    client, _agent = agent_client(roles.AGENT)
    lea = blanchard.household.children.get(first_name="Léa")
    url = f"/Clairoix/gestion/pointage/justifier/{lea.pk}/?service={register.service.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "service": register.service.pk,
            "site": register.site.pk,
            "child": lea.pk,
            "first_day": TODAY.isoformat(),
            "reason": "school_trip",
        },
    )
    assert response.status_code == 302
    sheet = selectors.attendance_sheet(service=register.service, site=register.site, day=TODAY)
    (row,) = [r for g in sheet.groups for r in g.rows if r.child == lea]
    assert row.justification.reason == "school_trip"


def test_the_register_shows_validated_diets_allergies_and_pai_and_logs_the_view(
    register, blanchard
):
    from portal import services as portal_services
    from portal.models import HealthDataAccess

    client, agent = agent_client(roles.AGENT)
    maxime = blanchard.household.children.get(first_name="Maxime")
    declaration = portal_services.health_declare(
        household=blanchard.household,
        child=maxime,
        author=agent,
        diet="vegetarian",
        allergens=["peanuts"],
        pai=True,
        pai_end=datetime.date(2099, 7, 3),
    )
    portal_services.health_declaration_review(
        actor=agent, declaration_id=declaration.pk, accept=True
    )
    response = client.get("/Clairoix/gestion/pointage/")
    text = html.unescape(response.content.decode())
    assert "Allergies : arachide" in text and "PAI (jusqu'au 03/07/2099)" in text
    assert "végétarien" in text.lower()
    assert list(HealthDataAccess.objects.values_list("viewer_id", "child_id", "page")) == [
        (agent.pk, maxime.pk, "gestion/pointage")
    ]
