"""Recap → PayFiP (the local simulator, over real HTTP) → notification → Préau."""

import re
import threading
import urllib.parse
import urllib.request
from decimal import Decimal

from django.core import mail
from django.db import connections

from booking.models import Order, Reservation
from ledger.models import Document
from ledger.selectors import balance
from notifications.models import OutboxEmail
from tests.booking.factories import SiteDayFactory, enrol
from tests.tipi.conftest import REFUSED_CARD, Browser, free_cells, start_server
from tipi import payfip
from tipi.models import PaymentOperation


def documents(live):
    with live.in_commune():
        return sorted(Document.objects.values_list("kind", flat=True))


def reservations(live):
    with live.in_commune():
        return dict(Reservation.objects.values_list("day", "status").order_by("day", "status"))


def the_operation(live):
    with live.in_commune():
        return PaymentOperation.objects.select_related("order").get()


def count_soap_calls(monkeypatch):
    calls = []
    original = payfip.PayfipClient._call

    def counted(self, operation, values):
        calls.append(operation)
        return original(self, operation, values)

    monkeypatch.setattr(payfip.PayfipClient, "_call", counted)
    return calls


def notify(url, id_op, field="idOp"):
    data = urllib.parse.urlencode({field: id_op}).encode()
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, response.read().decode()


def test_pay_with_the_accepted_card_end_to_end(live, monkeypatch):
    calls = count_soap_calls(monkeypatch)
    cells = free_cells(live, "Maxime", 3)
    browser = Browser(live)
    browser.login()
    recap = browser.order(cells)
    assert "Somme à payer" in recap.text and "14,10" in recap.text

    welcome = browser.pay()
    assert "/simulateur-payfip/tpa/paiementws.web?idop=" in welcome.url
    assert "Bienvenue sur la solution de paiement de la DGFIP" in welcome.text
    assert "Informations sur la dette" in welcome.text
    operation = the_operation(live)
    assert operation.refdet == f"cant{operation.pk:09d}"
    assert len(operation.id_op) == 36
    for words in (operation.refdet, "14,10", "bertrand.blanchard@example.org"):
        assert words in welcome.text
    # While on the Treasury's page the places are held.
    assert set(reservations(live).values()) == {"held"}

    back = browser.pay_by_card()
    assert back.url == live(f"/Clairoix/paiement/{operation.refdet}/retour/")
    assert "Paiement accepté — réservations confirmées." in back.text

    assert documents(live) == ["FA", "RG"]
    assert reservations(live) == {cell.day: "confirmed" for cell in cells}
    with live.in_commune():
        assert balance(live.guardian.household, "cant") == 0
        operation = PaymentOperation.objects.get()
        assert operation.status == "paid" and operation.numauto
        assert Order.objects.get().status == Order.Status.VALIDATED
        confirmation = OutboxEmail.objects.get(template="booking/order_confirmation")
        assert confirmation.to_email == "bertrand.blanchard@example.org"
    ticket = [m for m in mail.outbox if m.subject.startswith("Ticket de paiement")]
    assert len(ticket) == 1 and ticket[0].to == ["bertrand.blanchard@example.org"]
    assert operation.refdet in ticket[0].body and "14,10" in ticket[0].body
    # The days are orange ("réservé") on the grid now.
    grid = browser.get("/Clairoix/reservations/cant/reservation/").text
    for cell in cells:
        assert re.search(rf'id="{cell.key}-etat"><span class="state-word"[^>]*>réservé<', grid)
    # One call to create, one to verify the notification; the return page asks nothing more.
    assert calls == ["creerPaiementSecurise", "recupererDetailPaiementSecurise"]


def test_refused_card_releases_the_places_and_the_parent_can_retry(live):
    cells = free_cells(live, "Léa", 2)
    browser = Browser(live)
    browser.login()
    browser.order(cells)
    browser.pay()
    back = browser.pay_by_card(REFUSED_CARD)
    assert "Paiement refusé." in back.text
    assert documents(live) == []
    assert set(reservations(live).values()) == {"cancelled"}
    assert the_operation(live).order.status == Order.Status.REFUSED
    assert not [m for m in mail.outbox if m.subject.startswith("Ticket")]

    # Again, with the accepted card: the same days are free and get booked.
    browser.order(cells)
    browser.pay()
    back = browser.pay_by_card()
    assert "Paiement accepté" in back.text
    assert documents(live) == ["FA", "RG"]
    with live.in_commune():
        assert Reservation.objects.filter(status="confirmed").count() == 2


def test_annuler_on_the_treasury_page_abandons_and_releases(live):
    cells = free_cells(live, "Maxime", 1)
    browser = Browser(live)
    browser.login()
    browser.order(cells)
    welcome = browser.pay()
    id_op = urllib.parse.parse_qs(urllib.parse.urlsplit(welcome.url).query)["idop"][0]
    back = browser.post(welcome.url, {"idop": id_op, "annuler": "1"})
    assert "Paiement abandonné." in back.text
    assert documents(live) == []
    assert set(reservations(live).values()) == {"cancelled"}
    assert the_operation(live).order.status == Order.Status.ABANDONED


def test_an_invalid_card_is_refused_by_the_form_and_decides_nothing(live):
    browser = Browser(live)
    browser.login()
    browser.order(free_cells(live, "Maxime", 1))
    browser.pay()
    page = browser.pay_by_card("4111 1111 1111 1112")  # fails Luhn
    assert page.status == 400 and "Numéro de carte invalide." in page.text
    page = browser.pay_by_card("5555 5555 5555 4444", month="01", year="2020")
    assert page.status == 400
    assert the_operation(live).status == "pending"
    page = browser.pay_by_card("5555 5555 5555 4444")  # Luhn-valid, future expiry
    assert "Paiement accepté" in page.text


def test_forged_notifications_change_nothing(live, monkeypatch):
    browser = Browser(live)
    browser.login()
    browser.order(free_cells(live, "Maxime", 2))
    browser.pay()  # the parent sits on the Treasury's page: real idOp, not paid
    operation = the_operation(live)
    assert operation.checked_at is None
    url = live("/Clairoix/paiement/notification/")
    calls = count_soap_calls(monkeypatch)
    made_up = notify(url, "f" * 36)
    assert calls == []  # not ours: the Treasury is not even asked
    real = notify(url, operation.id_op)  # real, unpaid
    lower_case = notify(url, operation.id_op, field="idop")
    # Each real idOp was checked with the Treasury, whatever the notification claimed...
    assert calls == ["recupererDetailPaiementSecurise"] * 2
    assert the_operation(live).checked_at is not None
    # ...and the answer tells a forger nothing: the same for a made-up and a real idOp.
    assert made_up == real == lower_case == (200, "OK")
    assert documents(live) == []
    assert set(reservations(live).values()) == {"held"}
    operation = the_operation(live)
    assert operation.status == "pending"
    assert operation.order.status == Order.Status.AWAITING_PAYMENT


def test_one_payment_however_many_notifications_and_from_two_servers(live, settings):
    settings.PAYFIP_SIMULATOR_NOTIFY_DELAY = None  # this test sends them itself
    second = start_server()
    live.servers.append(second)
    browser = Browser(live)
    browser.login()
    browser.order(free_cells(live, "Maxime", 2))
    browser.pay()
    decided = browser.pay_by_card(follow=False)  # not back to Préau's return page yet
    assert decided.status == 302
    operation = the_operation(live)
    assert operation.status == "pending"

    urls = [
        live("/Clairoix/paiement/notification/"),
        f"http://127.0.0.1:{second.port}/Clairoix/paiement/notification/",
    ]
    barrier = threading.Barrier(2)
    answers = []

    def deliver(url):
        try:
            barrier.wait()
            answers.append(notify(url, operation.id_op)[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for _ in range(3):
        answers.append(notify(urls[0], operation.id_op)[0])

    assert answers == [200] * 5
    assert documents(live) == ["FA", "RG"]
    with live.in_commune():
        assert OutboxEmail.objects.filter(template="booking/order_confirmation").count() == 1
        assert the_operation(live).events.filter(kind="paid").count() == 1


def test_a_notification_that_never_comes_is_applied_by_reconciliation(live, settings):
    from tipi.tasks import reconcile_payments_in_commune

    settings.PAYFIP_SIMULATOR_NOTIFY_DELAY = None
    browser = Browser(live)
    browser.login()
    browser.order(free_cells(live, "Maxime", 1))
    browser.pay()
    browser.pay_by_card(follow=False)
    with live.in_commune():
        assert reconcile_payments_in_commune() == 0  # too young to be asked about
    assert documents(live) == []
    with live.in_commune():
        # Five minutes pass without any notification.
        PaymentOperation.objects.update(
            created_at=the_operation(live).created_at - payfip.PAYMENT_PAGE_VALIDITY / 3
        )
    with live.in_commune():
        assert reconcile_payments_in_commune() == 1
    assert documents(live) == ["FA", "RG"]
    assert the_operation(live).status == "paid"
    # The parent coming back later sees it done.
    page = browser.get(f"/Clairoix/paiement/{the_operation(live).refdet}/retour/")
    assert "Paiement accepté" in page.text


def test_paid_after_the_hold_expired_with_the_last_place_taken_nothing_is_lost(live):
    from booking import selectors as booking_selectors
    from booking import services as booking_services
    from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

    full_day, other_day = free_cells(live, "Maxime", 2)
    with live.in_commune():
        SiteDayFactory(site=live.canteen.site, day=full_day.day, capacity=1)
    browser = Browser(live)
    browser.login()
    browser.order([full_day, other_day])
    welcome = browser.pay()
    with live.in_commune():
        # The parent lingers: the hold expires and another family takes the last place.
        order = Order.objects.get()
        booking_services.release_hold(order=order, status=Order.Status.EXPIRED)
        dupont = GuardianFactory(household=HouseholdFactory(name="DUPONT"))
        zoe = ChildFactory(household=dupont.household, first_name="Zoé")
        enrol(live.canteen, zoe, "Élémentaire")
        theirs = booking_services.draft_order(
            household=dupont.household,
            service=live.canteen.service,
            wanted_keys={booking_selectors.cell_key(zoe.pk, live.canteen.meal.pk, full_day.day)},
            created_by=dupont.user,
        )
        booking_services.validate_order(order=theirs, household=dupont.household, allow_debit=True)

    assert "Bienvenue" in browser.get(welcome.url).text  # the Treasury page still lives
    back = browser.pay_by_card()
    assert "Paiement accepté" in back.text
    assert "1 jour n'avait plus de place" in back.text
    with live.in_commune():
        household = live.guardian.household
        mine = Reservation.objects.filter(child__household=household)
        assert dict(mine.exclude(status="cancelled").values_list("day", "status")) == {
            other_day.day: "confirmed"
        }
        payment = Document.objects.get(kind="RG", account__household=household)
        assert payment.total == Decimal("9.40")
        assert balance(household, "cant") == Decimal("4.70")  # the full day, in credit
        late = OutboxEmail.objects.filter(template__startswith="tipi/late_payment")
        assert sorted(late.values_list("to_email", flat=True)) == [
            "bertrand.blanchard@example.org",
            "mairie@clairoix.test",
        ]
        assert "4,70" in late.get(to_email="bertrand.blanchard@example.org").body_text
