"""Settings, the test banner and the town hall's manual validation, with a Treasury that
cannot be reached (a closed port): no live server needed."""

import datetime
import socket
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from booking import selectors as booking_selectors
from booking import services as booking_services
from booking.models import Order, Reservation
from ledger.models import Document
from tests.factories import PASSWORD, UserFactory
from tests.tipi.factories import PayfipSettingsFactory, PaymentOperationFactory, RegieFactory
from tipi import services
from tipi.models import OperationEvent, PayfipSettings, PaymentOperation, Regie

RECAP = "/Clairoix/reservations/cant/recapitulatif/"
PLANNING = "/Clairoix/reservations/cant/reservation/"


def closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def unreachable_treasury(in_clairoix, settings):
    settings.PAYFIP_SIMULATOR_URL = closed_port_url()
    PayfipSettingsFactory(saisie="T")
    RegieFactory()


def free_keys(household, service, child_name, count):
    planning = booking_selectors.planning_for(household, service)
    tab = next(t for t in planning.children if t.child.first_name == child_name)
    return [c.key for c in tab.kinds[0].months[0].cells if not c.disabled][:count]


def pending_operation(household, canteen, user, keys):
    """An operation whose idOp the Treasury gave, as if it had answered, then went silent."""
    order = booking_services.draft_order(
        household=household, service=canteen.service, wanted_keys=keys, created_by=user
    )
    order = booking_services.hold_order(order=order, household=household)
    operation = PaymentOperationFactory(
        order=order,
        amount=Decimal("4.70") * len(keys),
        base_url=settings.PAYFIP_SIMULATOR_URL,
        id_op="a" * 36,
        status=PaymentOperation.Status.PENDING,
    )
    operation.refdet = services.make_refdet("cant", operation.pk)
    operation.save()
    return operation


def test_the_portal_shows_the_test_banner_in_t_mode_only(parent_client, canteen):
    assert "Mode test" not in parent_client.get(PLANNING).content.decode()
    settings_row = PayfipSettingsFactory()
    assert "Mode test" in parent_client.get(PLANNING).content.decode()
    settings_row.saisie = "W"
    settings_row.save()
    assert "Mode test" not in parent_client.get(PLANNING).content.decode()


def test_pay_when_the_treasury_is_down_holds_nothing_and_says_so(
    parent_client, canteen, unreachable_treasury
):
    keys = free_keys(canteen.maxime.household, canteen.service, "Maxime", 2)
    parent_client.post(PLANNING, {**{key: "on" for key in keys}, "finalize": "1"})
    response = parent_client.post("/Clairoix/reservations/cant/paiement/", follow=True)
    page = response.content.decode()
    assert "ne répond pas" in page and "Rien n&#x27;a été payé" in page
    operation = PaymentOperation.objects.get()
    assert operation.status == "failed" and operation.refdet == f"cant{operation.pk:09d}"
    assert not Reservation.objects.exclude(status="cancelled").exists()
    assert Order.objects.get().status == Order.Status.ABANDONED


def test_pay_without_payfip_settings_tells_the_parent(parent_client, canteen):
    keys = free_keys(canteen.maxime.household, canteen.service, "Maxime", 1)
    parent_client.post(PLANNING, {**{key: "on" for key in keys}, "finalize": "1"})
    page = parent_client.post("/Clairoix/reservations/cant/paiement/", follow=True)
    assert "paiement en ligne n&#x27;est pas ouvert" in page.content.decode()
    assert not PaymentOperation.objects.exists()
    assert Order.objects.get().status == Order.Status.DRAFT


def test_the_return_page_says_verification_in_progress_while_the_treasury_is_silent(
    parent_client, canteen, blanchard, unreachable_treasury
):
    keys = free_keys(blanchard.household, canteen.service, "Maxime", 1)
    operation = pending_operation(blanchard.household, canteen, blanchard.user, keys)
    page = parent_client.get(f"/Clairoix/paiement/{operation.refdet}/retour/").content.decode()
    assert "Paiement en cours de vérification" in page
    assert 'http-equiv="refresh"' in page
    operation.refresh_from_db()
    assert operation.status == "pending"
    assert operation.events.filter(kind="treasury_unreachable").exists()


def test_another_household_cannot_see_a_return_page(client, canteen, blanchard, dupont):
    PayfipSettingsFactory()
    keys = free_keys(blanchard.household, canteen.service, "Maxime", 1)
    operation = pending_operation(blanchard.household, canteen, blanchard.user, keys)
    client.post("/Clairoix/", {"username": "anne.dupont@example.org", "password": PASSWORD})
    assert client.get(f"/Clairoix/paiement/{operation.refdet}/retour/").status_code == 404


@pytest.fixture
def agent_client(client, in_clairoix):
    UserFactory(email="agent@clairoix.test", is_staff=True, is_superuser=True,
                first_name="Agnès", last_name="MAIRIE")  # fmt: skip
    client.post("/Clairoix/admin/login/", {"username": "agent@clairoix.test", "password": PASSWORD})
    return client


def test_manual_validation_when_the_treasury_cannot_be_reached(
    agent_client, canteen, blanchard, unreachable_treasury
):
    keys = free_keys(blanchard.household, canteen.service, "Maxime", 2)
    operation = pending_operation(blanchard.household, canteen, blanchard.user, keys)
    base = "/Clairoix/admin/tipi/paymentoperation/"

    found = agent_client.get(base, {"q": operation.refdet}).content.decode()
    assert operation.refdet in found and "1 paiement par carte" in found

    agent_client.post(f"{base}{operation.pk}/verifier/")
    operation.refresh_from_db()
    assert operation.status == "pending"
    checked = operation.events.get(kind="treasury_unreachable")
    assert checked.actor_name == "MAIRIE Agnès"

    ticket = timezone.localtime() - datetime.timedelta(minutes=1)  # never in the future
    response = agent_client.post(
        f"{base}{operation.pk}/validation-manuelle/",
        {
            "numauto": "654321",
            "paid_on": ticket.date().isoformat(),
            "paid_time": ticket.strftime("%H:%M"),
            "reason": "Ticket du Trésor présenté par M. BLANCHARD, Trésor injoignable",
        },
    )
    assert response.status_code == 302
    operation.refresh_from_db()
    assert operation.status == "paid" and operation.numauto == "654321"
    assert operation.validated_by.email == "agent@clairoix.test"
    assert sorted(Document.objects.values_list("kind", flat=True)) == ["FA", "RG"]
    event = OperationEvent.objects.get(operation=operation, kind="paid_manually")
    assert "Trésor injoignable" in event.detail and event.actor_name == "MAIRIE Agnès"
    assert Reservation.objects.filter(status="confirmed").count() == 2
    history = agent_client.get(f"{base}{operation.pk}/change/").content.decode()
    assert "payé (validation manuelle)" in history and "MAIRIE Agnès" in history
    assert "paid_manually" not in history

    # A notification arriving later changes nothing (and no SOAP call is even made).
    services.settle(id_op=operation.id_op)
    assert Document.objects.count() == 2


def test_reconciliation_gives_up_after_two_hours(canteen, blanchard, unreachable_treasury):
    keys = free_keys(blanchard.household, canteen.service, "Maxime", 1)
    operation = pending_operation(blanchard.household, canteen, blanchard.user, keys)
    later = timezone.now() + datetime.timedelta(minutes=6)
    assert services.reconcile(now=later) == {"checked": 1, "settled": 0, "expired": 0}
    operation.refresh_from_db()
    assert operation.status == "pending"
    much_later = timezone.now() + datetime.timedelta(hours=2, minutes=1)
    assert services.reconcile(now=much_later)["expired"] == 1
    operation.refresh_from_db()
    assert operation.status == "expired"
    assert Order.objects.get().status == Order.Status.EXPIRED
    assert not Reservation.objects.filter(status="held").exists()


def test_the_treasury_posting_the_browser_back_is_turned_into_a_get(client, in_clairoix):
    response = client.post("/Clairoix/paiement/cant000000001/retour/", {"idop": "x"})
    assert response.status_code == 303
    assert response["Location"] == "/Clairoix/paiement/cant000000001/retour/"


def test_demo_communes_pay_on_the_simulator_in_test_mode(in_clairoix, settings):
    from tipi import demo, selectors

    demo.load(in_clairoix)
    demo.load(in_clairoix)  # idempotent
    row = PayfipSettings.objects.get()
    assert row.saisie == "T" and row.is_enabled
    # The platform, not the commune, sends payments to the simulator it enables.
    assert settings.PAYFIP_SIMULATOR_ENABLED
    assert selectors.treasury_endpoint() == settings.PAYFIP_SIMULATOR_URL
    assert Regie.objects.get().numcli == "012345"
