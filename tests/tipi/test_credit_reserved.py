"""Credit used by an order on the Treasury's page is reserved (issue 10, item 1), through
the real pages, the Treasury simulator and concurrent browsers."""

import threading
from decimal import Decimal

from django.db import connections
from django.db.models import Sum

from booking.models import Order, Reservation
from ledger import services as ledger_services
from ledger.models import Document
from ledger.selectors import balance
from portal import roles
from tests.factories import PASSWORD, UserFactory
from tests.portal.factories import GuardianFactory
from tests.tipi.conftest import Browser, free_cells

RECAP = "/Clairoix/reservations/cant/recapitulatif/"
VALIDATE = "/Clairoix/reservations/cant/valider/"


def give_credit(live, amount="10.00"):
    with live.in_commune():
        ledger_services.record_payment(
            household=live.guardian.household,
            service_code="cant",
            amount=Decimal(amount),
            mode="cash",
            recorded_by=live.guardian.user,
            idempotency_key="credit-at-the-town-hall",
        )


def account(live):
    with live.in_commune():
        return balance(live.guardian.household, "cant")


def totals(live):
    with live.in_commune():
        rows = Document.objects.values("kind").annotate(total=Sum("total"))
        return {row["kind"]: row["total"] for row in rows}


def test_the_issues_scenario_through_the_pages_and_the_treasury(live):
    give_credit(live)
    maxime = free_cells(live, "Maxime", 5)
    browser = Browser(live)
    browser.login()
    recap = browser.order(maxime[:3])
    assert "Somme à payer" in recap.text and "4,10" in recap.text
    welcome = browser.pay()
    assert "4,10" in welcome.text  # the Treasury is asked for the balance's complement

    # Same session, while the Treasury's page is open: two other days.
    recap = browser.order(maxime[3:])
    assert "Somme à payer" in recap.text and "9,40" in recap.text
    assert "Payer par carte bancaire" in recap.text and ">Valider<" not in recap.text
    refused = browser.post(VALIDATE, {})
    assert "Cette commande doit être payée avant d&#x27;être validée." in refused.text
    with live.in_commune():
        assert not Reservation.objects.filter(status="confirmed").exists()

    browser.page = welcome  # back to the first Treasury tab
    assert "Paiement accepté" in browser.pay_by_card().text
    assert account(live) == Decimal("0.00")

    recap = browser.get(RECAP)
    assert "9,40" in recap.text
    welcome = browser.pay()
    assert "9,40" in welcome.text
    assert "Paiement accepté" in browser.pay_by_card().text
    assert account(live) == Decimal("0.00")
    with live.in_commune():
        assert Reservation.objects.filter(status="confirmed").count() == 5


def finish_as_a_parent(browser):
    """What a parent does on the recap: pay if asked to, else "Valider" (and pay if the
    server answers that it must be paid). Returns "paid" or "validated"."""
    page = browser.page
    for _attempt in range(3):
        if "Payer par carte bancaire" in page.text:
            welcome = browser.pay()
            assert "/simulateur-payfip/" in welcome.url, welcome.text[:1000]
            back = browser.pay_by_card()
            assert "Paiement accepté" in back.text, back.text[:1000]
            return "paid"
        page = browser.post(VALIDATE, {})
        if "Vos réservations et annulations sont enregistrées" in page.text:
            return "validated"
    raise AssertionError(page.text[:2000])


def test_two_guardians_and_an_agent_at_once_spend_the_credit_once(live):
    give_credit(live)
    with live.in_commune():
        second = GuardianFactory(
            household=live.guardian.household,
            rank=2,
            user=UserFactory(email="sophie.blanchard@example.org", first_name="Sophie"),
        )
        roles.give_role(UserFactory(email="agent@clairoix.test", is_staff=True), roles.AGENT)
    # Days apart, so that no place (SiteDay) lock orders the three: only the household's.
    maxime, lea = free_cells(live, "Maxime", 4), free_cells(live, "Léa", 8)[-2:]
    bertrand, sophie, agent = Browser(live), Browser(live), Browser(live)
    bertrand.login()
    sophie.login(second.user.email)
    bertrand.order(maxime[:3])  # 14,10 €
    sophie.order(lea)  # 9,40 €
    agent.get("/Clairoix/admin/login/")
    agent.post("/Clairoix/admin/login/", {"username": "agent@clairoix.test", "password": PASSWORD})
    agent_url = f"/Clairoix/gestion/foyers/{live.guardian.household_id}/cant/"
    agent.get(agent_url)

    barrier = threading.Barrier(3)
    outcomes, failures = {}, []

    def run(name, action):
        try:
            barrier.wait()
            outcomes[name] = action()
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append((name, repr(error)))
        finally:
            connections.close_all()

    def agent_books():
        page = agent.post(agent_url, {maxime[3].key: "on", "finalize": "1"})
        assert "Commande enregistrée pour le foyer." in page.text, page.text[:2000]
        return "validated"

    threads = [
        threading.Thread(target=run, args=("bertrand", lambda: finish_as_a_parent(bertrand))),
        threading.Thread(target=run, args=("sophie", lambda: finish_as_a_parent(sophie))),
        threading.Thread(target=run, args=("agent", agent_books)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert set(outcomes) == {"bertrand", "sophie", "agent"}
    with live.in_commune():
        assert Order.objects.filter(status=Order.Status.VALIDATED).count() == 3
        assert Reservation.objects.filter(status="confirmed").count() == 6
    money = totals(live)
    assert money["FA"] == Decimal("28.20")
    # The 10,00 € of credit were spent once: the family paid by card whatever the credit did
    # not cover, and owes at most the agent's 4,70 €, put on the account on purpose.
    final = account(live)
    assert final == money["RG"] - money["FA"]
    assert final >= Decimal("-4.70"), (outcomes, money)
