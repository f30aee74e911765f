import datetime
import re
from decimal import Decimal

import pytest

from ledger import selectors
from ledger.models import Account, Document, LedgerSettings
from tests.factories import PASSWORD, UserFactory
from tests.ledger.factories import at, invoice, manual_statement, meal

ADMIN = "/Clairoix/admin/ledger/"


@pytest.fixture
def agent(in_clairoix):
    return UserFactory(
        email="agent@clairoix.test",
        is_staff=True,
        is_superuser=True,
        first_name="Agnès",
        last_name="Mairie",
    )


@pytest.fixture
def agent_client(client, agent):
    client.post("/Clairoix/admin/login/", {"username": agent.email, "password": PASSWORD})
    return client


@pytest.fixture
def account(cant, blanchard, maxime):
    invoice(blanchard, [meal(maxime, datetime.date(2026, 3, 2))])
    return Account.objects.get(household=blanchard.household)


def test_account_page_shows_balance_documents_and_pdf_links(agent_client, account):
    page = agent_client.get(f"{ADMIN}account/{account.pk}/change/").content.decode()
    document = Document.objects.get()
    assert "4,70\xa0€ en débit" in page
    assert document.number in page
    assert f"{ADMIN}document/{document.pk}/pdf/" in page
    pdf = agent_client.get(f"{ADMIN}document/{document.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_record_a_town_hall_payment_once_even_if_posted_twice(agent_client, account):
    form = agent_client.get(f"{ADMIN}account/{account.pk}/reglement/").context["form"]
    data = {
        "key": form["key"].value(),
        "amount": "4,70",
        "mode": "cheque",
        "treasury_reference": "Chèque 1234567",
        "paid_on": "2026-03-03",
    }
    first = agent_client.post(f"{ADMIN}account/{account.pk}/reglement/", data)
    assert first.status_code == 302
    agent_client.post(f"{ADMIN}account/{account.pk}/reglement/", data)
    receipt = Document.objects.get(kind="RG")
    assert receipt.total == Decimal("4.70") and receipt.payment_mode == "cheque"
    assert receipt.author_name == "MAIRIE Agnès"
    assert receipt.treasury_reference == "Chèque 1234567"
    assert selectors.balance(account.household, "cant") == 0


def test_card_is_not_a_town_hall_mode(agent_client, account):
    form = agent_client.get(f"{ADMIN}account/{account.pk}/reglement/").context["form"]
    response = agent_client.post(
        f"{ADMIN}account/{account.pk}/reglement/",
        {"key": form["key"].value(), "amount": "4.70", "mode": "card", "paid_on": "2026-03-03"},
    )
    assert response.status_code == 200 and not Document.objects.filter(kind="RG").exists()


def test_debit_without_reservation(agent_client, account, maxime):
    response = agent_client.post(
        f"{ADMIN}account/{account.pk}/debit-sans-reservation/",
        {
            "key": "k1",
            "child": maxime.pk,
            "day": "2026-03-05",
            "label": "Repas",
            "unit_price": "7.50",
            "quantity": "1",
        },
    )
    assert response.status_code == 302
    debit = Document.objects.get(without_reservation=True)
    assert debit.kind == "FA" and debit.total == Decimal("7.50")
    assert debit.label.startswith("débit sans réservation n° FA")
    assert selectors.balance(account.household, "cant") == Decimal("-12.20")


def test_debit_for_another_households_child_is_refused(agent_client, account, dupont):
    zoe = dupont.household.children.get()
    response = agent_client.post(
        f"{ADMIN}account/{account.pk}/debit-sans-reservation/",
        {
            "key": "k2",
            "child": zoe.pk,
            "day": "2026-03-05",
            "label": "Repas",
            "unit_price": "4.70",
            "quantity": "1",
        },
    )
    assert response.status_code == 200 and Document.objects.count() == 1


def test_correcting_credit_note_requires_a_reason(agent_client, account):
    fa = Document.objects.get()
    line = fa.lines.get()
    url = f"/Clairoix/admin/booking/reservation/avoir-correctif/{account.pk}/"
    assert agent_client.get(f"{ADMIN}account/{account.pk}/avoir/").url == url
    refused = agent_client.post(url, {"key": "k3", "invoice": fa.pk, "lines": [line.pk]})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    done = agent_client.post(
        url, {"key": "k3", "invoice": fa.pk, "lines": [line.pk], "reason": "Enfant absent"}
    )
    assert done.status_code == 302
    av = Document.objects.get(kind="AV")
    assert (av.cancels, av.reason, av.total) == (fa, "Enfant absent", Decimal("4.70"))
    assert selectors.balance(account.household, "cant") == 0


def test_documents_cannot_be_changed_or_deleted_from_the_back_office(agent_client, account):
    document = Document.objects.get()
    assert agent_client.post(f"{ADMIN}document/{document.pk}/delete/").status_code == 403
    page = agent_client.get(f"{ADMIN}document/{document.pk}/change/").content.decode()
    assert 'name="total"' not in page and document.number in page


def test_totals_per_service_and_households_in_debit(agent_client, cant, blanchard, dupont):
    manual_statement(blanchard, datetime.date(2026, 1, 12))
    zoe = dupont.household.children.get()
    invoice(
        dupont, [meal(zoe, datetime.date(2026, 1, 13))], issued_at=at(datetime.date(2026, 1, 13))
    )
    invoice(dupont, [meal(zoe, datetime.date(2026, 2, 2))], issued_at=at(datetime.date(2026, 2, 2)))
    response = agent_client.get(
        f"{ADMIN}document/totaux/", {"du": "2026-01-01", "au": "2026-01-31"}
    )
    html = response.content.decode()
    totals = re.search(r'<table id="totals">(.*?)</table>', html, re.S).group(1)
    assert "Restaurant scolaire" in totals
    assert re.findall(r"<td>([^<]*€)</td>", totals) == ["18,80\xa0€", "4,70\xa0€", "14,10\xa0€"]
    in_debit = re.search(r'<table id="in-debit">(.*?)</table>', html, re.S).group(1)
    assert "DUPONT" in in_debit and "9,40\xa0€" in in_debit and "BLANCHARD" not in in_debit


def test_settings_are_editable_and_printed_on_new_documents(agent_client, cant, blanchard, maxime):
    page = agent_client.get(f"{ADMIN}ledgersettings/", follow=True)
    assert page.status_code == 200
    settings_row = LedgerSettings.objects.get()
    response = agent_client.post(
        f"{ADMIN}ledgersettings/{settings_row.pk}/change/",
        {
            "issuer_name": "Mme la Maire",
            "issuer_title": "Ordonnatrice",
            "appeal_mentions": "Recours : article L1617-5 du CGCT, deux mois.",
            "payment_terms": "",
        },
    )
    assert response.status_code == 302
    document = invoice(blanchard, [meal(maxime, datetime.date(2026, 3, 2))])
    assert document.snapshot["issuer_name"] == "Mme la Maire"
    assert document.snapshot["appeal_mentions"].startswith("Recours")


def test_parents_cannot_reach_the_back_office(parent_client, account):
    response = parent_client.get(f"{ADMIN}account/{account.pk}/reglement/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
