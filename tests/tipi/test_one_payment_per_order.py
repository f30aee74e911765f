"""One order, one live card payment: a second "Payer" never opens a second Treasury page
while the first may still be paid; the database refuses two live operations; money that
arrives twice anyway becomes credit and the commune is told."""

import datetime
import threading
import urllib.parse
from decimal import Decimal

import pytest
from django.db import IntegrityError, connections, transaction

from booking.models import Order, Reservation
from ledger.models import Document
from ledger.money import to_cents
from ledger.selectors import balance
from notifications.models import OutboxEmail
from tests.tipi.conftest import Browser, free_cells
from tests.tipi.factories import PayfipSettingsFactory, RegieFactory
from tests.tipi.test_back_office import free_keys, pending_operation
from tests.tipi.test_end_to_end import count_soap_calls, documents, reservations
from tipi import payfip, services
from tipi.models import PaymentOperation

PAY = "/Clairoix/reservations/cant/paiement/"
PLANNING = "/Clairoix/reservations/cant/reservation/"


def id_op_of(url):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["idop"][0]


def operations(live):
    with live.in_commune():
        return list(PaymentOperation.objects.order_by("pk"))


def age_operations(live, minutes, seconds=0):
    with live.in_commune():
        for operation in PaymentOperation.objects.all():
            PaymentOperation.objects.filter(pk=operation.pk).update(
                created_at=operation.created_at
                - datetime.timedelta(minutes=minutes, seconds=seconds)
            )


def press_payer_again(browser):
    """Another tab still shows the recap: its "Payer" posts the same session's order."""
    browser.get(PLANNING)  # any page of the portal, for the session's CSRF token
    return browser.post(PAY, {})


def test_a_second_payer_at_14_min_30_opens_no_second_page(live, monkeypatch):
    browser = Browser(live)
    browser.login()
    browser.order(free_cells(live, "Maxime", 2))
    first = browser.pay()
    first_id = id_op_of(first.url)

    # At once: the same Treasury page, not a second debt.
    again = press_payer_again(browser)
    assert id_op_of(again.url) == first_id and "Bienvenue" in again.text
    assert len(operations(live)) == 1

    # 14 min 30 s later the first page can still be paid for 30 s: no second page, the
    # Treasury is asked (still nothing), and the parent is told why and until when.
    age_operations(live, 14, 30)
    calls = count_soap_calls(monkeypatch)
    page = press_payer_again(browser)
    assert page.url == live(PLANNING)
    assert "déjà ouvert sur le site du Trésor public" in page.text
    assert calls == ["recupererDetailPaiementSecurise"]
    (operation,) = operations(live)
    assert operation.id_op == first_id and operation.status == "pending"

    # The first page is paid: one payment, one invoice, the order confirmed.
    browser.page = first
    back = browser.pay_by_card()
    assert "Paiement accepté" in back.text
    assert documents(live) == ["FA", "RG"]
    assert set(reservations(live).values()) == {"confirmed"}

    # "Payer" from a stale tab now shows that result, and still opens nothing.
    page = press_payer_again(browser)
    assert "plus valable" in page.text
    assert len(operations(live)) == 1 and documents(live) == ["FA", "RG"]


def test_a_second_payer_after_the_treasury_refused_opens_nothing_new(live, settings):
    settings.PAYFIP_SIMULATOR_NOTIFY_DELAY = None  # the refusal's notification is lost
    browser = Browser(live)
    browser.login()
    browser.order(free_cells(live, "Léa", 1))
    browser.pay()
    decided = browser.pay_by_card("4000 0000 0000 0002", follow=False)
    assert decided.status == 302  # refused at the Treasury, Préau not told yet
    age_operations(live, 14, 30)
    page = press_payer_again(browser)
    # Asked again, the Treasury says refused: the places are released, nothing reopens.
    assert "Paiement refusé." in page.text
    (operation,) = operations(live)
    assert operation.status == "refused"
    assert set(reservations(live).values()) == {"cancelled"}


def test_a_page_provably_past_its_validity_is_over(live, settings):
    settings.PAYFIP_SIMULATOR_NOTIFY_DELAY = None
    browser = Browser(live)
    browser.login()
    browser.order(free_cells(live, "Maxime", 1))
    browser.pay()
    # 15 minutes of validity and the 5 minutes' margin have passed, the Treasury still
    # says nothing: that operation is over (its places go back), and the order with it.
    age_operations(live, 20, 1)
    page = press_payer_again(browser)
    assert "Paiement expiré." in page.text
    (operation,) = operations(live)
    assert operation.status == "expired"
    with live.in_commune():
        assert Order.objects.get().status == Order.Status.EXPIRED


def test_two_tabs_pressing_payer_together_share_one_page(live):
    browser = Browser(live)
    browser.login()
    browser.order(free_cells(live, "Maxime", 2))
    token = browser.page.form_token()
    barrier = threading.Barrier(2)
    urls = []

    def press():
        tab = Browser(live)
        tab.jar = browser.jar  # the same session: two tabs of one browser
        tab.opener = browser.opener
        try:
            barrier.wait()
            page = tab.post(PAY, {"csrfmiddlewaretoken": token})
            urls.append(page.url)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(urls) == 2
    (operation,) = operations(live)
    assert [id_op_of(url) for url in urls] == [operation.id_op] * 2


def test_the_database_refuses_a_second_live_operation(canteen, blanchard, settings):
    settings.PAYFIP_SIMULATOR_URL = "http://127.0.0.1:9"
    PayfipSettingsFactory()
    keys = free_keys(blanchard.household, canteen.service, "Maxime", 1)
    first = pending_operation(blanchard.household, canteen, blanchard.user, keys)
    second = {
        field.name: getattr(first, field.name)
        for field in PaymentOperation._meta.concrete_fields
        if field.name not in ("id", "refdet", "id_op")
    }
    for status in ("pending", "new"):
        with pytest.raises(IntegrityError), transaction.atomic():
            PaymentOperation.objects.create(**{**second, "status": status})
    # Once the first is over, another may be created.
    PaymentOperation.objects.filter(pk=first.pk).update(status="expired")
    PaymentOperation.objects.create(**{**second, "status": "pending", "id_op": "b" * 36})


def paid_detail(operation, numauto):
    return payfip.PaymentDetail(
        idOp=operation.id_op,
        resultrans="P",
        numauto=numauto,
        dattrans="01122026",
        heurtrans="0931",
        montant=str(to_cents(operation.amount)),
        refdet=operation.refdet,
        numcli=operation.numcli,
    )


def test_money_arriving_twice_becomes_credit_and_the_commune_is_told(
    in_clairoix, canteen, blanchard, settings
):
    """Two pages for one order, both paid (left by the old rule: the migration turned the
    older into "expired", which a late payment still reaches)."""
    settings.PAYFIP_SIMULATOR_URL = "http://127.0.0.1:9"
    PayfipSettingsFactory()
    RegieFactory()
    keys = free_keys(blanchard.household, canteen.service, "Maxime", 2)
    older = pending_operation(blanchard.household, canteen, blanchard.user, keys)
    PaymentOperation.objects.filter(pk=older.pk).update(status="expired")
    newer = PaymentOperation.objects.create(
        **{
            field.name: getattr(older, field.name)
            for field in PaymentOperation._meta.concrete_fields
            if field.name not in ("id", "refdet", "id_op", "status")
        },
        status="pending",
        id_op="c" * 36,
    )
    newer.refdet = services.make_refdet("cant", newer.pk)
    newer.save()

    services.apply_detail(operation=newer, detail=paid_detail(newer, "111111"))
    older.refresh_from_db()
    services.apply_detail(operation=older, detail=paid_detail(older, "222222"))

    household = blanchard.household
    assert Document.objects.filter(kind="RG").count() == 2
    assert Document.objects.filter(kind="FA").count() == 1
    assert Reservation.objects.filter(status="confirmed").count() == 2
    assert balance(household, "cant") == Decimal("9.40")  # the second payment, as credit
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.status == newer.status == "paid"
    assert older.paid_twice and not newer.paid_twice
    assert older.events.filter(kind="paid_twice").exists()
    told = OutboxEmail.objects.filter(template__startswith="tipi/paid_twice")
    assert sorted(told.values_list("to_email", flat=True)) == [
        "bertrand.blanchard@example.org",
        "mairie@clairoix.test",
    ]
    commune_mail = told.get(to_email="mairie@clairoix.test")
    assert older.refdet in commune_mail.body_text and "9,40" in commune_mail.body_text
    assert "déjà payée" in commune_mail.subject + commune_mail.body_text
    # Told once, however many times the Treasury's answer is applied.
    services.apply_detail(operation=older, detail=paid_detail(older, "222222"))
    assert told.count() == 2


def test_an_operation_whose_start_died_is_given_up_and_a_page_opened(live):
    browser = Browser(live)
    browser.login()
    browser.order(free_cells(live, "Maxime", 1))
    browser.pay()
    with live.in_commune():
        # As if the request had died before the Treasury gave it an idOp, a minute ago.
        operation = PaymentOperation.objects.get()
        PaymentOperation.objects.filter(pk=operation.pk).update(
            status="new",
            id_op=None,
            created_at=operation.created_at - datetime.timedelta(minutes=1),
        )
    page = press_payer_again(browser)
    assert "Bienvenue" in page.text
    first, second = operations(live)
    assert first.status == "failed" and second.status == "pending"
    assert id_op_of(page.url) == second.id_op
