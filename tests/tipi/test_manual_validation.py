"""The back office's "validation manuelle" against a Treasury that answers (the simulator,
over real HTTP): the status is asked again first; refused, abandoned, still waiting or
already paid operations are not validated by hand, and the agent is told why in French;
an operation the Treasury no longer knows is."""

import datetime
import html

from django.utils import timezone

from portal.models import JournalEntry
from tests.factories import PASSWORD, UserFactory
from tests.tipi.conftest import REFUSED_CARD, Browser, free_cells
from tests.tipi.test_end_to_end import documents
from tipi.models import OperationEvent, PaymentOperation

ADMIN = "/Clairoix/admin/tipi/paymentoperation/"


def agent(live):
    with live.in_commune():
        UserFactory(email="agent@clairoix.test", is_staff=True, is_superuser=True,
                    first_name="Agnès", last_name="MAIRIE")  # fmt: skip
    browser = Browser(live)
    browser.get("/Clairoix/admin/login/")
    page = browser.post(
        "/Clairoix/admin/login/",
        {"username": "agent@clairoix.test", "password": PASSWORD, "next": "/Clairoix/admin/"},
    )
    assert "/Clairoix/admin/" in page.url and "Déconnexion" in page.text, page.text[:500]
    return browser


def validate_by_hand(browser, operation, paid_at=None):
    """The ticket's time: a minute ago by default (a ticket is never dated in the future)."""
    paid_at = timezone.localtime(paid_at or timezone.now() - datetime.timedelta(minutes=1))
    url = f"{ADMIN}{operation.pk}/validation-manuelle/"
    browser.get(url)
    page = browser.post(
        url,
        {
            "numauto": "654321",
            "paid_on": paid_at.date().isoformat(),
            "paid_time": paid_at.strftime("%H:%M"),
            "reason": "Ticket présenté par M. BLANCHARD",
        },
    )
    return html.unescape(page.text)


def the_operation(live):
    with live.in_commune():
        return PaymentOperation.objects.get()


def parent_at_the_treasury(live, settings, card=None, abandon=False):
    """The parent pays (or not); the notification never reaches Préau."""
    settings.PAYFIP_SIMULATOR_NOTIFY_DELAY = None
    parent = Browser(live)
    parent.login()
    parent.order(free_cells(live, "Maxime", 2))
    welcome = parent.pay()
    if card:
        parent.pay_by_card(card, follow=False)
    if abandon:
        id_op = the_operation(live).id_op
        parent.post(welcome.url, {"idop": id_op, "annuler": "1"}, follow=False)
    return the_operation(live)


def refusals(live, operation):
    with live.in_commune():
        return list(
            OperationEvent.objects.filter(operation=operation, kind="manual_refused").values_list(
                "actor_name", "detail"
            )
        )


def test_a_refused_payment_cannot_be_validated_by_hand(live, settings):
    operation = parent_at_the_treasury(live, settings, card=REFUSED_CARD)
    assert operation.status == "pending"  # Préau has not heard yet
    page = validate_by_hand(agent(live), operation)
    assert "Le Trésor public a refusé ce paiement" in page
    assert "ne peut pas être validé manuellement" in page
    operation = the_operation(live)
    assert operation.status == "refused" and operation.validated_by is None
    assert documents(live) == []
    ((who, why),) = refusals(live, operation)
    assert who == "MAIRIE Agnès" and "Ticket présenté par M. BLANCHARD" in why
    with live.in_commune():
        assert not JournalEntry.objects.exists()  # refused: no staff change to journal


def test_an_abandoned_payment_cannot_be_validated_by_hand(live, settings):
    operation = parent_at_the_treasury(live, settings, abandon=True)
    page = validate_by_hand(agent(live), operation)
    assert "La famille a abandonné ce paiement" in page
    assert the_operation(live).status == "abandoned"
    assert documents(live) == []


def test_a_payment_the_treasury_says_is_waiting_is_not_validated(live, settings):
    operation = parent_at_the_treasury(live, settings)  # on the page, nothing decided
    page = validate_by_hand(agent(live), operation)
    assert "Le Trésor public indique que ce paiement est en attente" in page
    assert "Résultat de la transaction non connu." in page
    operation = the_operation(live)
    assert operation.status == "pending" and operation.validated_by is None
    assert documents(live) == []


def test_a_payment_the_treasury_says_is_paid_is_not_recorded_twice(live, settings):
    operation = parent_at_the_treasury(live, settings, card="4111 1111 1111 1111")
    page = validate_by_hand(agent(live), operation)
    operation = the_operation(live)
    assert "Le Trésor public indique que ce paiement est déjà payé" in page
    assert operation.payment_number in page
    assert operation.status == "paid" and operation.numauto != "654321"
    assert operation.validated_by is None  # the Treasury's answer, not the agent's
    assert documents(live) == ["FA", "RG"]


def test_a_ticket_dated_in_the_future_is_refused_and_records_nothing(live, settings):
    operation = parent_at_the_treasury(live, settings)
    with live.in_commune():
        PaymentOperation.objects.filter(pk=operation.pk).update(
            id_op="d" * 36, created_at=operation.created_at - datetime.timedelta(hours=3)
        )
    later = timezone.now() + datetime.timedelta(hours=2)
    page = validate_by_hand(agent(live), operation, paid_at=later)
    assert "ne peuvent pas être dans le futur" in page
    assert the_operation(live).status != "paid"
    assert documents(live) == []


def test_an_operation_the_treasury_no_longer_knows_is_validated_by_hand(live, settings):
    operation = parent_at_the_treasury(live, settings)
    with live.in_commune():
        # Purged by the Treasury (it answers P1), long after the page expired.
        PaymentOperation.objects.filter(pk=operation.pk).update(
            id_op="d" * 36, created_at=operation.created_at - datetime.timedelta(hours=3)
        )
    page = validate_by_hand(agent(live), operation)
    assert "enregistré : règlement RG" in page
    operation = the_operation(live)
    assert operation.status == "paid" and operation.numauto == "654321"
    assert documents(live) == ["FA", "RG"]
    with live.in_commune():
        assert operation.validated_by.email == "agent@clairoix.test"
        kinds = list(operation.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["expired", "paid_manually"]
    # The staff journal says who validated what, and why (same transaction as the payment).
    with live.in_commune():
        (entry,) = JournalEntry.objects.all()
        assert entry.action == "tipi.manual_validation" and entry.actor_name == "MAIRIE Agnès"
        assert entry.household_id == operation.household_id
        assert "n° d'autorisation 654321" in entry.summary
        assert entry.summary.endswith("Ticket présenté par M. BLANCHARD")
