"""The ledger's sections of the workspace household page: balance per service, statement,
documents; shown to the roles that read the ledger, at a fixed number of queries."""

import datetime
from html import unescape

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import roles
from tests.factories import agent_client
from tests.ledger.factories import at, invoice, meal, payment
from tests.portal.factories import bulk_households


def test_the_household_page_shows_balance_statement_and_documents(cant, blanchard, maxime):
    day = timezone.localdate() - datetime.timedelta(days=3)
    first = invoice(blanchard, [meal(maxime, day), meal(maxime, day + datetime.timedelta(1))])
    client, _user = agent_client(roles.REGISSEUR)
    url = f"/Clairoix/gestion/familles/{blanchard.household_id}/"
    html = unescape(client.get(url).content.decode())
    for text in (
        "Solde par service",
        "Restaurant scolaire",
        "-9,40\u00a0€",
        "(dû)",
        "Relevé de compte",
        "Solde précédent",
        first.number,
        "Factures, avoirs",
    ):
        assert text in html, text  # fmt: skip
    agent, _user = agent_client(roles.AGENT, "agent@clairoix.test")
    assert "Solde par service" not in unescape(agent.get(url).content.decode())


def test_the_ledger_sections_cost_the_same_queries_at_10_and_500_households(
    cant, blanchard, maxime
):
    invoice(blanchard, [meal(maxime, timezone.localdate())])
    payment(blanchard, "4.70", paid_at=at(timezone.localdate()))
    client, _user = agent_client(roles.REGISSEUR)
    url = f"/Clairoix/gestion/familles/{blanchard.household_id}/"

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    bulk_households(10)
    at_10 = queries()
    bulk_households(490, start=10)
    at_500 = queries()
    print("household page with an account, queries at 10 / 500 households:", at_10, at_500)
    assert at_500 == at_10
