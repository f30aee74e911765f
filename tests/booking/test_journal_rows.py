"""Issue 13, item 10: every existing staff write of booking leaves one journal row (who,
what) written in its own transaction, and none when the write is refused."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from booking import closures, corrections, selectors, services
from booking.models import Order, Price
from ledger.models import Document, Line
from portal import roles
from portal.models import JournalEntry
from tests.booking.conftest import paris
from tests.factories import PASSWORD, UserFactory

NOW = paris(2026, 12, 15, 9, 0)
MON, TUE = datetime.date(2027, 1, 4), datetime.date(2027, 1, 5)


def key(child, kind, day):
    return selectors.cell_key(child.pk, kind.pk, day)


@pytest.fixture
def agent(in_clairoix):
    user = UserFactory(
        email="agent@clairoix.test", is_staff=True, first_name="Agnès", last_name="Mairie"
    )
    roles.give_role(user, roles.ADMINISTRATEUR)
    return user


def plain(text):
    return text.replace("\u202f", " ").replace("\xa0", " ")


def rows():
    return list(JournalEntry.objects.order_by("pk"))


def test_booking_on_behalf_of_a_family_is_journaled(canteen_2027, blanchard, agent):
    c = canteen_2027
    order = services.book_for_household(
        household=blanchard.household,
        service=c.service,
        wanted_keys={key(c.maxime, c.meal, MON), key(c.lea, c.meal, MON)},
        agent=agent,
        reason="",
        now=NOW,
    )
    assert order.status == Order.Status.VALIDATED
    (entry,) = rows()
    assert entry.actor == agent and entry.actor_name == "MAIRIE Agnès"
    assert entry.action == "booking.on_behalf" and entry.household == blanchard.household
    assert entry.summary == (
        f"Restaurant scolaire : repas réservés : 2, annulés : 0 ({order.reference})"
    )

    # Refused (nothing changes): nothing written, not even the draft.
    with pytest.raises(services.OrderRefused):
        services.book_for_household(
            household=blanchard.household,
            service=c.service,
            wanted_keys={key(c.maxime, c.meal, MON), key(c.lea, c.meal, MON)},
            agent=agent,
            reason="",
            now=NOW,
        )
    assert len(rows()) == 1 and Order.objects.count() == 1


def test_the_agent_page_books_with_a_reason_and_journals_it(client, canteen_2027, blanchard, agent):
    c = canteen_2027
    client.post("/Clairoix/admin/login/", {"username": agent.email, "password": PASSWORD})
    # The real clock is past January 2027's deadlines? Override them with a reason.
    response = client.post(
        f"/Clairoix/gestion/foyers/{blanchard.household_id}/cant/",
        {key(c.maxime, c.meal, MON): "on", "finalize": "1", "override": "1", "reason": "Appel"},
    )
    assert response.status_code == 302
    (entry,) = rows()
    assert entry.action == "booking.on_behalf" and entry.summary.endswith("hors délais : Appel")
    missing = client.post(
        f"/Clairoix/gestion/foyers/{blanchard.household_id}/cant/",
        {key(c.maxime, c.meal, TUE): "on", "finalize": "1", "override": "1", "reason": ""},
    )
    assert missing.status_code == 400 and len(rows()) == 1


def test_a_closure_is_journaled_once_and_a_refused_one_not(canteen_2027, blanchard, agent):
    c = canteen_2027
    order = services.draft_order(
        household=blanchard.household,
        service=c.service,
        wanted_keys={key(c.maxime, c.meal, MON)},
        created_by=blanchard.user,
        now=NOW,
    )
    services.validate_order(order=order, household=blanchard.household, now=NOW, allow_debit=True)
    closures.close_day(service=c.service, day=MON, reason="grève", closed_by=agent, now=NOW)
    (entry,) = rows()
    assert entry.action == "booking.closure" and entry.actor == agent
    assert plain(entry.summary) == (
        "Fermeture 04/01/2027 (Restaurant scolaire, tous les sites) : grève — repas annulés : 1, "
        "crédit : 4,70 €, familles : 1"
    )
    assert entry.details["days"] == ["2027-01-04"] and entry.details["reason"] == "grève"
    with pytest.raises(closures.ClosureRefused):
        closures.close_day(service=c.service, day=MON, reason="grève", closed_by=agent, now=NOW)
    with pytest.raises(closures.ClosureRefused):
        closures.close_day(service=c.service, day=TUE, reason=" ", closed_by=agent, now=NOW)
    assert len(rows()) == 1


def test_a_correcting_credit_note_is_journaled_once(canteen_2027, blanchard, agent):
    c = canteen_2027
    order = services.draft_order(
        household=blanchard.household,
        service=c.service,
        wanted_keys={key(c.maxime, c.meal, MON), key(c.maxime, c.meal, TUE)},
        created_by=blanchard.user,
        now=NOW,
    )
    services.validate_order(order=order, household=blanchard.household, now=NOW, allow_debit=True)
    invoice = Document.objects.get(kind="FA")
    line = Line.objects.get(document=invoice, day=MON)
    arguments = dict(
        household=blanchard.household,
        service_code="cant",
        invoice_id=invoice.pk,
        line_ids=[line.pk],
        reason="Enfant malade",
        issued_by=agent,
        idempotency_key="correction-1",
        today=datetime.date(2026, 12, 15),
    )
    correction = corrections.issue_correcting_credit_note(**arguments)
    corrections.issue_correcting_credit_note(**arguments)  # the same form sent twice
    (entry,) = rows()
    number = correction.credit_note.number
    assert entry.action == "booking.correcting_credit_note"
    assert entry.household == blanchard.household and entry.actor == agent
    assert entry.summary.startswith(f"Avoir correctif {number} de 4,70")
    assert entry.summary.endswith(f"sur la facture {invoice.number} : Enfant malade")
    with pytest.raises(ValidationError):  # credited already: refused, nothing written
        corrections.issue_correcting_credit_note(**{**arguments, "idempotency_key": "c-2"})
    assert len(rows()) == 1


def change_prices(client, meal_kind, price, amount, extra=None):
    data = {
        "service": meal_kind.service_id,
        "name": meal_kind.name,
        "tab_label": meal_kind.tab_label,
        "position": meal_kind.position,
        "prices-TOTAL_FORMS": "2" if extra else "1",
        "prices-INITIAL_FORMS": "1",
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "1000",
        "prices-0-id": price.pk,
        "prices-0-meal_kind": meal_kind.pk,
        "prices-0-amount": amount,
        "prices-0-valid_from": f"{price.valid_from:%d/%m/%Y}",
        "prices-0-valid_until": "",
    }
    if extra:
        data.update(
            {
                "prices-1-meal_kind": meal_kind.pk,
                "prices-1-amount": extra[0],
                "prices-1-valid_from": extra[1],
                "prices-1-valid_until": "",
            }
        )
    return client.post(f"/Clairoix/admin/booking/mealkind/{meal_kind.pk}/change/", data)


def test_a_price_change_in_the_back_office_is_journaled(client, canteen_2027, agent):
    meal = canteen_2027.meal
    price = Price.objects.get(meal_kind=meal)
    client.post("/Clairoix/admin/login/", {"username": agent.email, "password": PASSWORD})
    assert change_prices(client, meal, price, "490").status_code == 200  # above the ceiling
    assert rows() == []
    response = change_prices(client, meal, price, "4,90", extra=("5,10", "01/09/2027"))
    assert response.status_code == 302
    assert Price.objects.get(pk=price.pk).amount == Decimal("4.90")
    summaries = sorted(
        entry.summary.replace("\u202f", " ").replace("\xa0", " ") for entry in rows()
    )
    assert summaries == [
        "Nouveau tarif : Repas 5,10 € à partir du 01/09/2027",
        "Tarif modifié : Repas 4,70 € → 4,90 € à partir du 01/09/2026",
    ]
    assert {entry.action for entry in rows()} == {"booking.price"}
    assert {entry.actor_id for entry in rows()} == {agent.pk}
