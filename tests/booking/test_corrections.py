"""Issue 10, item 6: the back office's "Avoir correctif" credits a line at most once, across
every path (orders, closures, corrections), and cancels the meal it refunds if still to come."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django_tenants.utils import schema_context

from booking import closures, corrections, selectors, services
from booking.models import Reservation
from ledger import selectors as ledger_selectors
from ledger.models import Account, CreditNote, Document, Line
from tenants.models import Commune
from tests.booking.factories import build_canteen, paris
from tests.conftest import wipe_schema_data
from tests.factories import PASSWORD, UserFactory
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

NOW = paris(2026, 12, 15, 9, 0)
MON, TUE = datetime.date(2027, 1, 4), datetime.date(2027, 1, 5)


def key(child, kind, day):
    return selectors.cell_key(child.pk, kind.pk, day)


def order_for(guardian, canteen, keys):
    order = services.draft_order(
        household=guardian.household,
        service=canteen.service,
        wanted_keys=keys,
        created_by=guardian.user,
        now=NOW,
    )
    return services.validate_order(
        order=order, household=guardian.household, now=NOW, allow_debit=True
    )


@pytest.fixture
def agent_client(client, in_clairoix):
    agent = UserFactory(
        email="agent@clairoix.test", is_staff=True, is_superuser=True, last_name="MAIRIE"
    )
    client.post("/Clairoix/admin/login/", {"username": agent.email, "password": PASSWORD})
    client.agent = agent
    return client


@pytest.fixture
def booked(canteen_2027, blanchard):
    """Maxime booked Monday and Tuesday (one invoice, two lines)."""
    c = canteen_2027
    order_for(blanchard, c, {key(c.maxime, c.meal, MON), key(c.maxime, c.meal, TUE)})
    return c


def url(account):
    return f"/Clairoix/admin/booking/reservation/avoir-correctif/{account.pk}/"


def invoice_line(day):
    return Line.objects.get(document__kind="FA", day=day)


def test_a_line_the_parent_cancelled_cannot_be_credited_again(agent_client, booked, blanchard):
    c = booked
    order_for(blanchard, c, {key(c.maxime, c.meal, TUE)})  # the parent cancels Monday
    assert CreditNote.objects.get().lines.get().credits == invoice_line(MON)
    account = Account.objects.get()
    fa = Document.objects.get(kind="FA")

    page = agent_client.get(url(account))
    offered = {choice.data["value"].value for choice in page.context["form"]["lines"]}
    assert offered == {invoice_line(TUE).pk}  # Monday's line is credited: not offered
    assert "déjà créditée" in page.content.decode()

    refused = agent_client.post(
        url(account),
        {"key": "k1", "invoice": fa.pk, "lines": [invoice_line(MON).pk], "reason": "Absent"},
    )
    assert refused.status_code == 200 and refused.context["form"].errors
    assert CreditNote.objects.count() == 1
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("-4.70")


def test_the_service_refuses_a_line_already_credited(booked, blanchard, agent_client):
    c = booked
    order_for(blanchard, c, {key(c.maxime, c.meal, TUE)})
    fa = Document.objects.get(kind="FA")
    with pytest.raises(ValidationError, match="déjà été crédité"):
        corrections.issue_correcting_credit_note(
            household=blanchard.household,
            service_code="cant",
            invoice_id=fa.pk,
            line_ids=[invoice_line(MON).pk],
            reason="Erreur",
            issued_by=agent_client.agent,
            idempotency_key="k-service",
        )
    assert CreditNote.objects.count() == 1


def test_crediting_a_meal_to_come_cancels_it(agent_client, booked, blanchard):
    c = booked
    account, fa = Account.objects.get(), Document.objects.get(kind="FA")
    done = agent_client.post(
        url(account),
        {"key": "k2", "invoice": fa.pk, "lines": [invoice_line(TUE).pk], "reason": "Malade"},
        follow=True,
    )
    assert "1 repas à venir annulé" in done.content.decode()
    av = CreditNote.objects.get()
    assert av.total == Decimal("4.70") and av.cancels_id == fa.pk and av.reason == "Malade"
    assert Reservation.objects.get(day=TUE).status == Reservation.Status.CANCELLED
    assert selectors.kitchen_list(TUE) == {}
    planning = selectors.planning_for(blanchard.household, c.service, now=NOW)
    tuesday = next(
        cell for cell in planning.children[0].kinds[0].months[0].cells if cell.day == TUE
    )
    assert tuesday.state == "free" and not tuesday.checked
    # The parent's next order keeps Monday: nothing is cancelled or credited again.
    with pytest.raises(services.OrderRefused, match="aucune modification"):
        services.draft_order(
            household=blanchard.household,
            service=c.service,
            wanted_keys={key(c.maxime, c.meal, MON)},
            created_by=blanchard.user,
            now=NOW,
        )


def test_crediting_a_past_meal_leaves_it_as_served(booked, blanchard, agent_client):
    fa = Document.objects.get(kind="FA")
    correction = corrections.issue_correcting_credit_note(
        household=blanchard.household,
        service_code="cant",
        invoice_id=fa.pk,
        line_ids=[invoice_line(MON).pk],
        reason="Repas non servi",
        issued_by=agent_client.agent,
        idempotency_key="k-past",
        today=TUE,
    )
    assert correction.cancelled == []
    assert Reservation.objects.get(day=MON).status == Reservation.Status.CONFIRMED
    # A closure of that day later cancels the meal but does not credit it a second time.
    result = closures.close_day(
        service=booked.service, day=MON, reason="grève", closed_by=agent_client.agent
    )
    assert result.reservations == 1 and result.euros == Decimal("0.00")
    assert CreditNote.objects.count() == 1
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("-4.70")


# Two agents at once, on real connections ------------------------------------------------


@pytest.fixture
def committed_invoice(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        clairoix = Commune.objects.get(slug="Clairoix")
        with schema_context(clairoix.schema_name):
            guardian = GuardianFactory(household=HouseholdFactory(name="BLANCHARD"))
            ChildFactory(household=guardian.household, first_name="Maxime")
            ChildFactory(household=guardian.household, first_name="Léa")
            canteen = build_canteen(
                guardian.household,
                [datetime.date(2027, 1, 1)],
                first_day=datetime.date(2026, 9, 1),
                last_day=datetime.date(2027, 7, 3),
            )
            order_for(guardian, canteen, {key(canteen.maxime, canteen.meal, TUE)})
            agents = [UserFactory(email=f"agent{n}@clairoix.test") for n in range(2)]
            fa = Document.objects.get(kind="FA")
            line = fa.lines.get()
        yield clairoix, guardian.household, fa, line, agents
        connection.set_schema_to_public()
        wipe_schema_data(clairoix.schema_name)


def test_two_agents_crediting_the_same_line_at_once_credit_it_once(committed_invoice):
    clairoix, household, fa, line, agents = committed_invoice
    barrier = threading.Barrier(2)
    outcomes = []

    def correct(agent):
        try:
            with schema_context(clairoix.schema_name):
                barrier.wait()
                try:
                    corrections.issue_correcting_credit_note(
                        household=household,
                        service_code="cant",
                        invoice_id=fa.pk,
                        line_ids=[line.pk],
                        reason="Erreur",
                        issued_by=agent,
                        idempotency_key=f"race-{agent.pk}",
                    )
                    outcomes.append("issued")
                except ValidationError as refusal:
                    outcomes.append(" ".join(refusal.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=correct, args=[agent]) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == 2 and outcomes.count("issued") == 1
    assert "déjà été crédité" in next(o for o in outcomes if o != "issued")
    with schema_context(clairoix.schema_name):
        assert CreditNote.objects.count() == 1
        assert ledger_selectors.balance(household, "cant") == Decimal("0.00")
        assert Reservation.objects.get().status == Reservation.Status.CANCELLED
