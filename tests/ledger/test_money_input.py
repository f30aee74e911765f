"""Issue 10, item 7: euros are typed the French way ("4,90" or "4.90") in one shared field."""

import datetime
from decimal import Decimal

import pytest
from django import forms

from ledger.models import Account, Document
from ledger.money import MoneyField, parse_euros
from tests.factories import PASSWORD, UserFactory
from tests.ledger.factories import invoice, meal

ADMIN = "/Clairoix/admin/ledger/"


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("4,90", "4.90"),
        ("4.90", "4.90"),
        ("4,9", "4.90"),
        ("4", "4.00"),
        (" 4,90 € ", "4.90"),
        ("1 234,50", "1234.50"),
        ("1\u202f234,50", "1234.50"),
        ("0,01", "0.01"),
    ],
)
def test_french_and_dotted_amounts_are_read_exactly(typed, amount):
    assert parse_euros(typed) == Decimal(amount)
    assert MoneyField().clean(typed) == Decimal(amount)


@pytest.mark.parametrize(
    "typed", ["4,900", "4.9.0", "4,90,1", "1.234,50", "4 90", "-4,90", "4,9O", "abc", "4e2", "€"]
)
def test_anything_else_is_refused_with_a_french_message(typed):
    assert parse_euros(typed) is None
    with pytest.raises(forms.ValidationError) as refusal:
        MoneyField().clean(typed)
    assert refusal.value.messages == [
        "Montant invalide : saisissez des euros avec au plus deux chiffres après la virgule, "
        "par exemple 4,90."
    ]


def test_bounds_are_said_in_euros_and_inputs_show_a_comma():
    field = MoneyField(min_value="0.01", max_value="30")
    with pytest.raises(forms.ValidationError) as low:
        field.clean("0")
    assert low.value.messages == ["Le montant doit être d'au moins 0,01\xa0€."]
    with pytest.raises(forms.ValidationError) as high:
        field.clean("490")
    assert high.value.messages == ["Le montant ne peut dépasser 30,00\xa0€."]
    assert field.prepare_value(Decimal("4.9")) == "4,90"

    class AmountForm(forms.Form):
        amount = MoneyField()

    html = str(AmountForm(initial={"amount": Decimal("4.90")})["amount"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html and 'value="4,90"' in html


@pytest.fixture
def agent_client(client, in_clairoix):
    agent = UserFactory(email="agent@clairoix.test", is_staff=True, is_superuser=True)
    client.post("/Clairoix/admin/login/", {"username": agent.email, "password": PASSWORD})
    return client


@pytest.fixture
def account(cant, blanchard, maxime):
    invoice(blanchard, [meal(maxime, datetime.date(2026, 3, 2))])
    return Account.objects.get(household=blanchard.household)


def test_a_town_hall_payment_typed_with_a_comma_or_a_typo(agent_client, account):
    page = f"{ADMIN}account/{account.pk}/reglement/"
    data = {"mode": "cash", "paid_on": "03/03/2026"}
    typo = agent_client.post(page, {**data, "key": "t1", "amount": "4,7O"})
    assert typo.status_code == 200
    assert "Montant invalide" in typo.content.decode()
    assert not Document.objects.filter(kind="RG").exists()
    agent_client.post(page, {**data, "key": "t2", "amount": "4,70"})
    assert Document.objects.get(kind="RG").total == Decimal("4.70")


def test_a_debit_without_reservation_typed_with_a_comma(agent_client, account, maxime):
    data = {"child": maxime.pk, "day": "05/03/2026", "label": "Repas", "quantity": "1"}
    page = f"{ADMIN}account/{account.pk}/debit-sans-reservation/"
    agent_client.post(page, {**data, "key": "d1", "unit_price": "7,50"})
    assert Document.objects.get(without_reservation=True).total == Decimal("7.50")


def test_listings_show_euros_the_french_way(agent_client, account):
    listing = agent_client.get(f"{ADMIN}document/").content.decode()
    assert "4,70\xa0€" in listing
    assert ">4.70<" not in listing and ">4,70<" not in listing
