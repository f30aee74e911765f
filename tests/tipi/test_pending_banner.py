"""While a card payment is pending, the service pages and the home page say so, with the
amount, the time left, "Reprendre le paiement" and "Abandonner" (the household's own only)."""

import re

from booking.models import Order, Reservation
from tests.factories import PASSWORD
from tests.tipi.test_back_office import free_keys, pending_operation, unreachable_treasury  # noqa: F401
from tipi import services

PLANNING = "/Clairoix/reservations/cant/reservation/"
STATEMENT = "/Clairoix/reservations/cant/compte/"
RESUME = "/Clairoix/reservations/cant/paiement/reprendre/"
ABANDON = "/Clairoix/reservations/cant/paiement/abandonner/"


def page_text(response):
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").split())


def test_service_pages_and_home_show_the_pending_payment(
    parent_client,
    canteen,
    blanchard,
    unreachable_treasury,  # noqa: F811
):
    keys = free_keys(blanchard.household, canteen.service, "Maxime", 2)
    pending_operation(blanchard.household, canteen, blanchard.user, keys)
    for url in (PLANNING, STATEMENT, "/Clairoix/accueil/"):
        text = page_text(parent_client.get(url))
        assert "Paiement en attente" in text, url
        left = r"9,40 € à payer par carte : encore 1[45] minutes \(jusqu'à \d\d:\d\d\)"
        assert re.search(left, text)
        assert "Reprendre le paiement" in text and "Abandonner" in text


def test_no_banner_without_a_pending_payment(parent_client, canteen):
    assert "Paiement en attente" not in page_text(parent_client.get(PLANNING))


def test_reprendre_opens_the_same_treasury_page(
    parent_client,
    canteen,
    blanchard,
    unreachable_treasury,  # noqa: F811
):
    keys = free_keys(blanchard.household, canteen.service, "Maxime", 1)
    operation = pending_operation(blanchard.household, canteen, blanchard.user, keys)
    response = parent_client.post(RESUME, {"order": operation.order_id})
    assert response.status_code == 302
    assert response["Location"] == services.payment_page_url(operation)


def test_abandonner_releases_the_places_of_ones_own_order_only(
    client,
    canteen,
    blanchard,
    dupont,
    unreachable_treasury,  # noqa: F811
):
    keys = free_keys(blanchard.household, canteen.service, "Maxime", 2)
    operation = pending_operation(blanchard.household, canteen, blanchard.user, keys)
    client.post("/Clairoix/", {"username": dupont.user.email, "password": PASSWORD})
    assert "Paiement en attente" not in page_text(client.get(PLANNING))
    stranger = client.post(ABANDON, {"order": operation.order_id}, follow=True)
    assert "Aucun paiement en cours à abandonner" in page_text(stranger)
    assert client.post(RESUME, {"order": operation.order_id})["Location"].endswith(PLANNING)
    assert Order.objects.get(pk=operation.order_id).status == Order.Status.AWAITING_PAYMENT
    assert Reservation.objects.filter(status="held").count() == 2
    client.post("/Clairoix/deconnexion/")

    client.post("/Clairoix/", {"username": blanchard.user.email, "password": PASSWORD})
    assert client.post(ABANDON, {"order": "x"}).status_code == 302  # bad input: nothing
    assert Reservation.objects.filter(status="held").count() == 2
    done = client.post(ABANDON, {"order": operation.order_id}, follow=True)
    assert "les places sont libérées" in page_text(done)
    assert Order.objects.get(pk=operation.order_id).status == Order.Status.ABANDONED
    assert not Reservation.objects.filter(status="held").exists()
    assert "Paiement en attente" not in page_text(done)


def test_without_a_pending_payment_the_banner_costs_no_statement(parent_client, canteen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in (PLANNING, STATEMENT):
        parent_client.get(url)  # the service's rules are cached per node
        with CaptureQueriesContext(connection) as queries:
            text = page_text(parent_client.get(url))
        assert "Consultation compte" in text and "Paiement en attente" not in text
        # Whether an order awaits a payment came with the session (and its household).
        orders = [q["sql"] for q in queries.captured_queries if "booking_order" in q["sql"]]
        assert len(orders) == 1 and "django_session" in orders[0], orders
