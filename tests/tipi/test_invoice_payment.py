"""Issue 14 §3: a monthly invoice of a post-paid service paid by card ("Payer en ligne" on
"Consultation factures") through PayFiP (the local simulator, over real HTTP)."""

import datetime
import html
from decimal import Decimal

from django.utils import timezone

from ledger import services as ledger_services
from ledger.batch import BatchDraft, issue_invoice_batch
from ledger.models import Document
from ledger.selectors import balance
from portal.models import JournalEntry
from tests.factories import UserFactory
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory
from tests.tipi.conftest import REFUSED_CARD, Browser
from tests.tipi.test_back_office import closed_port_url
from tests.tipi.test_end_to_end import notify
from tests.tipi.test_manual_validation import agent, validate_by_hand
from tipi import services
from tipi.models import PaymentOperation

DOCUMENTS = "/Clairoix/reservations/cant/factures/"


def last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def monthly_invoice(live, household, meals=2) -> Document:
    """The household's invoice of last month (4,70 € a meal), issued in a batch."""
    month = last_month()
    with live.in_commune():
        child = household.children.order_by("pk").first()
        lines = [
            ledger_services.DocumentLine(
                child_id=child.pk,
                child_name=f"{household.name} {child.first_name}",
                day=month + datetime.timedelta(days=day),
                label="Repas",
                unit_price=Decimal("4.70"),
            )
            for day in range(meals)
        ]
        batch = issue_invoice_batch(
            service_code="cant",
            month=month,
            drafts=[BatchDraft(household=household, lines=lines)],
            author=None,
        )
        return Document.objects.get(batch_entry__batch=batch)


def payments(live):
    with live.in_commune():
        return list(Document.objects.filter(kind="RG").values_list("total", "payment_mode"))


def operations(live):
    with live.in_commune():
        return list(PaymentOperation.objects.all())


def pay_online(browser, invoice):
    """ "Consultation factures" → "Payer en ligne" (a POST with the page's CSRF token)."""
    page = browser.get(DOCUMENTS)
    assert "Payer en ligne" in page.text, page.text[:2000]
    return browser.post(f"{DOCUMENTS}{invoice.number}/payer/", {})


def test_pay_a_monthly_invoice_by_card_end_to_end(live):
    invoice = monthly_invoice(live, live.guardian.household)
    browser = Browser(live)
    browser.login()
    page = browser.get(DOCUMENTS)
    assert invoice.number in page.text and "9,40" in page.text

    welcome = pay_online(browser, invoice)
    assert "/simulateur-payfip/tpa/paiementws.web?idop=" in welcome.url
    [operation] = operations(live)
    assert operation.invoice_id == invoice.pk and operation.order_id is None
    assert operation.amount == Decimal("9.40") and operation.refdet in welcome.text
    assert "9,40" in welcome.text

    back = browser.pay_by_card()
    assert back.url == live(f"/Clairoix/paiement/{operation.refdet}/retour/")
    assert "Paiement accepté — facture réglée." in back.text
    assert invoice.number in back.text

    assert payments(live) == [(Decimal("9.40"), "card")]
    with live.in_commune():
        assert balance(live.guardian.household, "cant") == 0
        payment = Document.objects.get(kind="RG")
        assert payment.order_reference == invoice.order_reference
        assert payment.author.email == "bertrand.blanchard@example.org"
        assert PaymentOperation.objects.get().status == "paid"
    page = browser.get(DOCUMENTS)
    assert payment.number in page.text and "Payer en ligne" not in page.text


def test_notification_return_and_reconciliation_record_one_payment(live):
    invoice = monthly_invoice(live, live.guardian.household)
    browser = Browser(live)
    browser.login()
    pay_online(browser, invoice)
    [stale] = operations(live)  # pending, as a reconciliation run read it
    browser.pay_by_card()

    notify_url = live("/Clairoix/paiement/notification/")
    assert notify(notify_url, stale.id_op) == (200, "OK")
    assert notify(notify_url, stale.id_op) == (200, "OK")
    with live.in_commune():
        # A run that read the operation before the payment landed applies its answer late.
        answer = services.fetch_status(stale)
        settled = services.apply_answer(operation=stale, answer=answer, source="reconciliation")
        assert settled.status == "paid"
        services.reconcile()
        assert balance(live.guardian.household, "cant") == 0
    browser.get(f"/Clairoix/paiement/{stale.refdet}/retour/")
    assert payments(live) == [(Decimal("9.40"), "card")]


def test_a_refused_card_leaves_the_invoice_unpaid_and_it_can_be_paid_again(live):
    invoice = monthly_invoice(live, live.guardian.household)
    browser = Browser(live)
    browser.login()
    pay_online(browser, invoice)
    back = browser.pay_by_card(REFUSED_CARD)
    assert "Paiement refusé." in back.text
    assert "la facture reste à payer" in html.unescape(back.text)
    assert payments(live) == []
    with live.in_commune():
        assert balance(live.guardian.household, "cant") == Decimal("-9.40")

    # Still "Payer en ligne": a second operation for the same invoice, paid this time.
    pay_online(browser, invoice)
    assert "Paiement accepté — facture réglée." in browser.pay_by_card().text
    assert [op.status for op in operations(live)] == ["paid", "refused"]
    assert payments(live) == [(Decimal("9.40"), "card")]


def test_another_households_invoice_cannot_be_paid(live):
    with live.in_commune():
        dupont = GuardianFactory(
            household=HouseholdFactory(name="DUPONT"), user=UserFactory(email="d@example.org")
        ).household
        ChildFactory(household=dupont, first_name="Zoé")
    theirs = monthly_invoice(live, dupont)
    monthly_invoice(live, live.guardian.household)
    browser = Browser(live)
    browser.login()
    page = browser.get(DOCUMENTS)
    assert "Payer en ligne" in page.text and theirs.number not in page.text
    refused = browser.post(f"{DOCUMENTS}{theirs.number}/payer/", {})
    assert refused.status == 404
    assert operations(live) == [] and payments(live) == []


def test_an_invoice_already_covered_starts_nothing(live):
    invoice = monthly_invoice(live, live.guardian.household)
    browser = Browser(live)
    browser.login()
    browser.get(DOCUMENTS)  # the page of a parent who waited: paid at the town hall meanwhile
    with live.in_commune():
        ledger_services.record_payment(
            household=live.guardian.household,
            service_code="cant",
            amount=Decimal("9.40"),
            mode="cheque",
            recorded_by=None,
            idempotency_key="town-hall-cheque",
        )
    page = browser.post(f"{DOCUMENTS}{invoice.number}/payer/", {})
    assert page.url == live(DOCUMENTS)
    assert "Cette facture est déjà réglée" in html.unescape(page.text)
    assert "Payer en ligne" not in page.text
    assert operations(live) == []


def test_a_credit_on_the_account_lowers_the_amount_asked(live):
    with live.in_commune():
        ledger_services.record_payment(
            household=live.guardian.household,
            service_code="cant",
            amount=Decimal("5.00"),
            mode="cash",
            recorded_by=None,
            idempotency_key="town-hall-cash",
        )
    invoice = monthly_invoice(live, live.guardian.household)
    browser = Browser(live)
    browser.login()
    welcome = pay_online(browser, invoice)
    assert "4,40" in welcome.text
    assert [op.amount for op in operations(live)] == [Decimal("4.40")]


def test_staff_validate_an_invoice_payment_by_hand(live, settings):
    """The back office's pages work for an operation that pays an invoice, not an order."""
    settings.PAYFIP_SIMULATOR_NOTIFY_DELAY = None
    invoice = monthly_invoice(live, live.guardian.household)
    parent = Browser(live)
    parent.login()
    pay_online(parent, invoice)
    [operation] = operations(live)
    settings.PAYFIP_SIMULATOR_URL = closed_port_url()  # the Treasury cannot be reached
    staff = agent(live)
    change = staff.get(f"/Clairoix/admin/tipi/paymentoperation/{operation.pk}/change/")
    assert change.status == 200 and invoice.number in change.text
    page = validate_by_hand(staff, operation)
    assert "enregistré : règlement" in page
    assert payments(live) == [(Decimal("9.40"), "card")]
    with live.in_commune():
        # The ticket's time (09:31 today) may be later than now: the day's balance.
        assert balance(live.guardian.household, "cant", timezone.localdate()) == 0
        entry = JournalEntry.objects.get(action="tipi.manual_validation")
        assert invoice.number in entry.summary
