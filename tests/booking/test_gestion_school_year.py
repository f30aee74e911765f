"""Issue 13, item 9: the workspace page "Année scolaire": prepare, review, open."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import OpenMonth, Price, SchoolYear
from portal import roles
from portal.models import Household
from tests.booking.conftest import build_canteen
from tests.factories import agent_client

URL = "/Clairoix/gestion/annee-scolaire/"
ACTION = URL + "preparer/"


@pytest.fixture
def canteen(blanchard):
    return build_canteen(
        blanchard.household,
        [datetime.date(2026, 9, 1)],
        first_day=datetime.date(2026, 9, 1),
        last_day=datetime.date(2027, 7, 3),
    )


def prepare_form(canteen, **extra):
    return {
        "prepare": "1",
        "first_day": "2027-09-01",
        "last_day": "2028-07-03",
        "zone": "B",
        "prices_from": "2027-09-01",
        f"price_{canteen.meal.pk}": "4,85",
        f"price_{canteen.special.pk}": "",
        **extra,
    }


def test_the_administrator_prepares_reviews_and_opens_the_next_year(canteen):
    client, _admin = agent_client(roles.ADMINISTRATEUR)
    page = client.get(URL).content.decode()
    assert "Année en cours : 2026-2027, du 01/09/2026 au 03/07/2027 (zone B)." in page
    assert 'value="2027-09-01"' in page and 'value="2028-07-03"' in page  # proposed
    assert 'value="4,70"' in page
    done = client.post(ACTION, prepare_form(canteen), follow=True).content.decode()
    assert "Année scolaire 2027-2028 préparée" in done
    assert "Année 2027-2028 préparée, pas encore ouverte" in done
    assert "4,85\xa0€" in done and "6,20\xa0€" in done
    assert "Restaurant scolaire de Clairoix" in done and "Maternelle" in done
    year = SchoolYear.objects.get(first_day=datetime.date(2027, 9, 1))
    assert not year.is_open
    assert Price.objects.get(meal_kind=canteen.meal, valid_from=year.first_day).amount == Decimal(
        "4.85"
    )
    # Preparing again changes the same year.
    client.post(ACTION, prepare_form(canteen, **{f"price_{canteen.meal.pk}": "4,90"}))
    assert SchoolYear.objects.count() == 2
    assert Price.objects.filter(meal_kind=canteen.meal).count() == 2
    opened = client.post(ACTION, {"open": "1"}, follow=True).content.decode()
    assert "Année scolaire 2027-2028 ouverte" in opened
    year.refresh_from_db()
    assert year.is_open
    assert OpenMonth.objects.filter(month__gte=year.first_day).count() == 11


@pytest.mark.parametrize(
    "bad",
    [
        {"first_day": "2027-02-30"},
        {"zone": "Q"},
        {"prices_from": "2026-01-01"},
        {"first_day": "2027-01-04"},
    ],
)
def test_bad_input_gets_a_message_and_writes_nothing(canteen, bad):
    client, _admin = agent_client(roles.ADMINISTRATEUR)
    response = client.post(ACTION, prepare_form(canteen, **bad))
    assert response.status_code == 400
    html = response.content.decode()
    assert "field-error" in html or "message-error" in html
    assert SchoolYear.objects.count() == 1


def test_a_bad_price_is_refused(canteen):
    client, _admin = agent_client(roles.ADMINISTRATEUR)
    for price in ("quatre", "300"):
        response = client.post(ACTION, prepare_form(canteen, **{f"price_{canteen.meal.pk}": price}))
        assert response.status_code == 400
    assert SchoolYear.objects.count() == 1


@pytest.mark.parametrize("role", [roles.AGENT, roles.REGISSEUR, roles.LECTURE])
def test_other_roles_read_the_page_but_do_not_prepare(canteen, role):
    client, _user = agent_client(role)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Préparer l'année suivante" not in page.content.decode()
    assert client.post(ACTION, prepare_form(canteen)).status_code == 403
    assert SchoolYear.objects.count() == 1


def test_the_page_costs_the_same_queries_at_10_and_500_households(canteen):
    client, _admin = agent_client(roles.ADMINISTRATEUR)
    counts = []
    for count in (9, 490):
        Household.objects.bulk_create(
            [Household(name=f"ANNEE{len(counts)}-{n}", city="CLAIROIX") for n in range(count)]
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        counts.append(len(queries))
    assert Household.objects.count() == 500
    assert counts[0] == counts[1], counts
    print("Année scolaire page queries:", counts)
