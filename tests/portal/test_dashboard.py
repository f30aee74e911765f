"""The Tableau de bord: each app's panels, what they count, and a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking import service_days
from notifications.models import OutboxEmail
from portal import roles
from portal.models import ContactMessage
from tests.booking.bulk import bulk_households
from tests.factories import agent_client
from tests.tipi.factories import order_with_payment


def dashboard(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/Clairoix/gestion/")
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def meal_days(today):
    """The next service day and the service days of this month still to come."""
    first = service_days.next_service_day(today)
    month_end = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    days = {first} | set(service_days.service_days(today, month_end - datetime.timedelta(days=1)))
    return sorted(days)


def test_the_dashboard_shows_every_panel_with_real_figures(canteen, blanchard):
    today = timezone.localdate()
    days = meal_days(today)
    bulk_households(canteen, 4, days)
    order_with_payment(blanchard.household, canteen.service, blanchard.user)  # just started
    stuck = order_with_payment(
        blanchard.household, canteen.service, blanchard.user, refdet="CANT0000002", status="pending"
    )
    type(stuck).objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    OutboxEmail.objects.create(
        to_email="perdu@example.org", subject="Confirmation", body_text="x", status="failed"
    )
    client, _user = agent_client(roles.ADMINISTRATEUR)
    html, _count = dashboard(client)
    next_day = service_days.next_service_day(today)
    assert "Prochain jour de service" in html and next_day.strftime("%d/%m/%Y") in html
    assert "4 repas pour 120 places" in html
    assert "Restaurant scolaire de Clairoix" in html
    # The month's chart: an SVG with its title, and the same figures in a table.
    assert '<svg class="chart"' in html and '<title id="repas-du-mois-title">' in html
    assert "Repas réservés" in html and "Voir les chiffres" in html
    # Money: 4 invoices, 2 paid (cash and cheque); 2 households in debit.
    assert "Factures, avoirs et règlements par mois" in html
    owed = f"{4.70 * len(days) * 2:.2f}".replace(".", ",")
    assert "2 foyers" in html and f"Total dû : {owed}" in html
    assert "1 paiement en cours" in html and "1 sans réponse du Trésor" in html
    assert "4 nouveaux messages" in html
    # A message an agent has taken is no longer new.
    taken = ContactMessage.objects.order_by("pk").first()
    ContactMessage.objects.filter(pk=taken.pk).update(status=ContactMessage.Status.IN_PROGRESS)
    assert "3 nouveaux messages" in dashboard(client)[0]
    assert "1 e-mail en échec" in html and "perdu@example.org" in html


def test_each_role_sees_the_panels_of_its_rights(canteen):
    agent, _ = agent_client(roles.AGENT)
    html = agent.get("/Clairoix/gestion/").content.decode()
    assert "Prochain jour de service" in html
    assert "Familles débitrices" not in html and "Paiements par carte" not in html
    regisseur, _ = agent_client(roles.REGISSEUR)
    html = regisseur.get("/Clairoix/gestion/").content.decode()
    assert "Familles débitrices" in html and "Argent par mois" in html
    assert "Paiements par carte" in html


@pytest.mark.parametrize("role", [roles.ADMINISTRATEUR, roles.AGENT])
def test_the_dashboard_costs_the_same_queries_at_10_and_500_households(canteen, role):
    today = timezone.localdate()
    days = meal_days(today)
    client, _user = agent_client(role)
    bulk_households(canteen, 10, days)
    html, at_10 = dashboard(client)
    assert "10 repas pour" in html
    bulk_households(canteen, 490, days)
    html, at_500 = dashboard(client)
    assert "500 repas pour" in html
    print(f"dashboard ({role}): {at_10} queries at 10 households, {at_500} at 500")
    assert at_10 == at_500
