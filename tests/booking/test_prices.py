"""Issue 10, item 7: prices typed in the back office, "4,90" or "4.90", under a ceiling."""

from decimal import Decimal

import pytest

from booking.models import MealKind, Price
from tests.factories import PASSWORD, UserFactory

ADD_MEAL_KIND = "/Clairoix/admin/booking/mealkind/add/"


@pytest.fixture
def agent_client(client, in_clairoix):
    agent = UserFactory(email="agent@clairoix.test", is_staff=True, is_superuser=True)
    client.post("/Clairoix/admin/login/", {"username": agent.email, "password": PASSWORD})
    return client


def meal_kind_with_price(client, service, amount):
    return client.post(
        ADD_MEAL_KIND,
        {
            "service": service.pk,
            "name": "Goûter",
            "tab_label": "Goûters",
            "position": "2",
            "prices-TOTAL_FORMS": "1",
            "prices-INITIAL_FORMS": "0",
            "prices-MIN_NUM_FORMS": "0",
            "prices-MAX_NUM_FORMS": "1000",
            "prices-0-amount": amount,
            "prices-0-valid_from": "01/01/2027",
            "prices-0-valid_until": "",
        },
    )


@pytest.mark.parametrize("typed", ["4,90", "4.90"])
def test_a_price_typed_with_a_comma_or_a_dot_is_saved_as_typed(agent_client, canteen_2027, typed):
    response = meal_kind_with_price(agent_client, canteen_2027.service, typed)
    assert response.status_code == 302
    assert Price.objects.get(meal_kind__name="Goûter").amount == Decimal("4.90")


def test_a_price_above_the_services_ceiling_is_refused(agent_client, canteen_2027):
    response = meal_kind_with_price(agent_client, canteen_2027.service, "490")
    assert response.status_code == 200
    assert "dépasse le tarif maximal du service (30,00\xa0€)" in response.content.decode()
    assert not MealKind.objects.filter(name="Goûter").exists()
    canteen_2027.service.price_ceiling = Decimal("50.00")
    canteen_2027.service.save()
    assert meal_kind_with_price(agent_client, canteen_2027.service, "45,00").status_code == 302


@pytest.mark.parametrize("typed", ["4,9O", "4,900", "4 90", "4.90 EUR"])
def test_a_mistyped_price_is_refused_with_a_message(agent_client, canteen_2027, typed):
    response = meal_kind_with_price(agent_client, canteen_2027.service, typed)
    assert response.status_code == 200
    assert "Montant invalide" in response.content.decode()
    assert not MealKind.objects.filter(name="Goûter").exists()


def test_the_back_office_shows_prices_and_ceilings_the_french_way(agent_client, canteen_2027):
    service = canteen_2027.service
    assert service.price_ceiling == Decimal("30.00")
    change = agent_client.get(f"/Clairoix/admin/booking/service/{service.pk}/change/")
    assert 'value="30,00"' in change.content.decode()
    meal = agent_client.get(f"/Clairoix/admin/booking/mealkind/{canteen_2027.meal.pk}/change/")
    assert 'value="4,70"' in meal.content.decode()
    listing = agent_client.get("/Clairoix/admin/booking/service/").content.decode()
    assert "30,00\xa0€" in listing
