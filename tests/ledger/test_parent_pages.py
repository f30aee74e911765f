import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from ledger import services
from ledger.models import Account, Document, Line
from tests.ledger.factories import at, invoice, manual_statement, meal, payment
from tests.portal.factories import ChildFactory, GuardianFactory

STATEMENT = "/Clairoix/reservations/cant/compte/"
DOCUMENTS = "/Clairoix/reservations/cant/factures/"


def text(response):
    """The page's visible text, with spaces normalised (no-break spaces included)."""
    return text_of(response.content.decode())


def text_of(html):
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").split())


@pytest.fixture
def manual(cant, blanchard):
    """The manual's statement, on dates of December 2017."""
    return manual_statement(blanchard, datetime.date(2017, 12, 14))


def test_the_manuals_statement_page(parent_client, manual):
    response = parent_client.get(STATEMENT, {"du": "18/11/2017", "au": "18/12/2017"})
    assert response.status_code == 200
    page = text(response)
    assert "Intitulé Date Réalisé par Crédit Débit" in page
    # By date, then invoice before payment, then number; no word said twice.
    rows = [
        "Solde de début 18/11/2017 0,00 €",
        "Réservation facture n° FA2017000001 14/12/2017 BLANCHARD Bertrand 9,40 €",
        "Réservation facture n° FA2017000002 14/12/2017 BLANCHARD Bertrand 4,70 €",
        "Règlement n° RG2017000001 14/12/2017 BLANCHARD Bertrand 9,40 €",
        "Règlement n° RG2017000002 15/12/2017 BLANCHARD Bertrand 4,70 €",
        "Annulation avoir n° AV2017000001 16/12/2017 BLANCHARD Bertrand 4,70 €",
        "Solde de fin 18/12/2017 4,70 €",
    ]
    positions = [page.index(row) for row in rows]
    assert positions == sorted(positions)
    html = response.content.decode()
    assert html.count('class="row-balance"') == 2
    assert html.count('class="row-invoice"') == 2 and html.count('class="row-payment"') == 2
    assert html.count('class="row-cancellation"') == 1
    assert 'href="/Clairoix/reservations/cant/compte/FA2017000001/"' in html
    assert "Imprimer" in page and "Rechercher" in page


def test_the_debit_and_credit_columns_of_the_invoice_and_payment(parent_client, manual):
    html = parent_client.get(STATEMENT, {"du": "2017-12-14", "au": "2017-12-14"}).content.decode()
    invoice_row = re.search(r'<tr class="row-invoice">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num desktop-only">(.*?)</td>', invoice_row)
    assert cells == ["", "9,40\xa0€"]  # Crédit empty, Débit 9,40 €
    payment_row = re.search(r'<tr class="row-payment">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="num desktop-only">(.*?)</td>', payment_row) == ["9,40\xa0€", ""]


def test_a_negative_balance_shows_in_the_debit_column(parent_client, cant, blanchard, maxime):
    invoice(blanchard, [meal(maxime, timezone.localdate())])
    html = parent_client.get(STATEMENT).content.decode()
    closing = re.findall(r'<tr class="row-balance">(.*?)</tr>', html, re.S)[-1]
    assert re.findall(r'<td class="num desktop-only">(.*?)</td>', closing) == ["", "4,70\xa0€"]


def test_the_default_period_is_the_last_30_days(parent_client, cant, blanchard, maxime):
    today = timezone.localdate()
    old = invoice(
        blanchard, [meal(maxime, today)], issued_at=at(today - datetime.timedelta(days=31))
    )
    recent = invoice(blanchard, [meal(maxime, today)], issued_at=at(today, 0))
    response = parent_client.get(STATEMENT)
    page = text(response)
    start = (today - datetime.timedelta(days=30)).strftime("%d/%m/%Y")
    # The invoice of 31 days ago is before the period: only in the opening balance, which
    # the family owes (4,70 € in the Débit column, as the manual shows a negative balance).
    assert f"Solde de début {start} 4,70 €" in page
    opening = re.findall(r'<tr class="row-balance">(.*?)</tr>', response.content.decode(), re.S)[0]
    assert re.findall(r'<td class="num desktop-only">(.*?)</td>', opening) == ["", "4,70\xa0€"]
    assert recent.number in page and old.number not in page
    assert response.context["form"]["du"].value() == (today - datetime.timedelta(30)).isoformat()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"du": "31/02/2026", "au": "01/03/2026"}, "Date de début invalide"),
        ({"du": "hier", "au": "01/03/2026"}, "Date de début invalide"),
        ({"du": "01/03/2026", "au": "2026-13-45"}, "Date de fin invalide"),
        ({"du": "", "au": "01/03/2026"}, "Indiquez la date de début"),
        ({"du": "02/03/2026", "au": "01/03/2026"}, "doit précéder la date de fin"),
    ],
)
@pytest.mark.parametrize("url", [STATEMENT, DOCUMENTS])
def test_bad_dates_give_a_french_message_not_an_error(parent_client, cant, url, query, message):
    response = parent_client.get(url, query)
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert "rien n'a été enregistré" in page or "erreurs" in page
    assert "<table" not in response.content.decode()


def test_detail_page_of_an_order(parent_client, manual):
    response = parent_client.get("/Clairoix/reservations/cant/compte/FA2017000001/")
    page = text(response)
    assert "Détails commande n° FA2017000001" in page
    assert "Enfant Date Repas Tarif Commandé par Date commande" in page
    assert "BLANCHARD Maxime 18/12/2017 Repas 4,70 € BLANCHARD Bertrand 14/12/2017" in page
    assert "BLANCHARD Maxime 19/12/2017 Repas 4,70 € BLANCHARD Bertrand 14/12/2017" in page


def test_detail_pages_of_a_cancellation_and_a_payment(parent_client, manual):
    cancellation = text(parent_client.get("/Clairoix/reservations/cant/compte/AV2017000001/"))
    assert "Détails commande n° AV2017000001" in cancellation
    assert "annule la facture FA2017000002" in cancellation
    receipt = text(parent_client.get("/Clairoix/reservations/cant/compte/RG2017000002/"))
    assert "Détails règlement n° RG2017000002" in receipt and "carte bancaire" in receipt


def test_documents_page_lists_every_document_with_its_pdf(parent_client, manual):
    response = parent_client.get(DOCUMENTS, {"du": "18/11/2017", "au": "18/12/2017"})
    html = response.content.decode()
    for document in manual:
        assert f'href="/Clairoix/reservations/cant/factures/{document.number}.pdf"' in html
    assert text(response).count("Imprimer") == 5


def test_pdf_download(parent_client, manual):
    response = parent_client.get("/Clairoix/reservations/cant/factures/FA2017000001.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="FA2017000001.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


# Isolation: every URL, for another household's document and for another commune's.


def detail_urls(number):
    return [
        f"/Clairoix/reservations/cant/compte/{number}/",
        f"/Clairoix/reservations/cant/factures/{number}.pdf",
    ]


def test_another_households_documents_are_404(parent_client, manual, dupont):
    zoe = dupont.household.children.get()
    theirs = [
        invoice(dupont, [meal(zoe, datetime.date(2017, 12, 18))]),
        payment(dupont, "4.70"),
    ]
    for document in theirs:
        for url in detail_urls(document.number):
            assert parent_client.get(url).status_code == 404, url
    listing = text(parent_client.get(DOCUMENTS, {"du": "01/01/2017", "au": "31/12/2030"}))
    assert all(d.number not in listing for d in theirs)
    assert "DUPONT" not in listing


def test_les_ageux_documents_are_unreachable_from_clairoix(parent_client, manual, les_ageux):
    with schema_context(les_ageux.schema_name):
        services.register_service_book(code="cant", name="Cantine", invoice_title="Cantine")
        martin = GuardianFactory(household__name="MARTIN")
        hugo = ChildFactory(household=martin.household, first_name="Hugo", last_name="MARTIN")
        numbers = [
            invoice(martin, [meal(hugo, datetime.date(2017, 12, 18))], issued_at=at(d)).number
            for d in [datetime.date(2017, 12, 1)] * 3
        ]
    number = numbers[-1]  # FA2017000003: no such number in Clairoix
    for url in detail_urls(number):
        assert parent_client.get(url).status_code == 404, url
    # The Les Ageux address itself: the Clairoix session is not valid there.
    response = parent_client.get(f"/Les-Ageux/reservations/cant/factures/{number}.pdf")
    assert response.status_code in (302, 404) and not response.content.startswith(b"%PDF")


def test_an_unknown_service_is_404(parent_client, manual):
    for url in [
        "/Clairoix/reservations/alsh/compte/",
        "/Clairoix/reservations/alsh/factures/",
        "/Clairoix/reservations/alsh/compte/FA2017000001/",
        "/Clairoix/reservations/alsh/factures/FA2017000001.pdf",
    ]:
        assert parent_client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_the_login_page(client, manual):
    for url in [STATEMENT, DOCUMENTS, *detail_urls("FA2017000001")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/Clairoix/")


def test_a_staff_account_without_household_gets_404(client, manual):
    from tests.factories import PASSWORD, UserFactory

    UserFactory(email="agent@clairoix.test", is_staff=True)
    client.post("/Clairoix/", {"username": "agent@clairoix.test", "password": PASSWORD})
    for url in [STATEMENT, DOCUMENTS, *detail_urls("FA2017000001")]:
        assert client.get(url).status_code == 404, url


# Cost: the number of queries does not grow with the number of documents.


def add_documents(guardian, child, first, count):
    """Documents `first`..`first+count-1` of 2016 (invoices, cancellations and payments in
    turn) written straight into the tables, as the services would (the triggers check them)."""
    account = Account.objects.get(household=guardian.household, service__code="cant")
    kinds = ["FA", "AV", "RG"]
    documents = []
    for n in range(first, first + count):
        kind = kinds[n % 3]
        documents.append(
            Document(
                kind=kind,
                number=f"{kind}2016{n:06d}",
                year=2016,
                sequence=n,
                account=account,
                issued_at=at(datetime.date(2016, 1, 4) + datetime.timedelta(days=n % 300)),
                total=Decimal("4.70"),
                author=guardian.user,
                author_name="BLANCHARD Bertrand",
                idempotency_key=f"bulk-{n}",
                invoice_title="Service de Restauration Scolaire",
                payment_mode="cash" if kind == "RG" else "",
            )
        )
    Document.objects.bulk_create(documents)
    Line.objects.bulk_create(
        Line(
            document=d,
            position=1,
            child=child,
            child_name=str(child),
            day=d.issued_at.date(),
            label="Repas",
            unit_price=Decimal("4.70"),
            amount=Decimal("4.70"),
        )
        for d in documents
        if d.kind != "RG"
    )


def count_queries(client, url, query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200
    return len(captured), response.content.decode()


@pytest.mark.parametrize("url", [STATEMENT, DOCUMENTS])
def test_page_queries_do_not_grow_with_documents(parent_client, cant, blanchard, maxime, url):
    # One document before the period, so the opening balance has something to add up.
    invoice(
        blanchard,
        [meal(maxime, datetime.date(2015, 12, 1))],
        issued_at=at(datetime.date(2015, 12, 1)),
    )
    period = {"du": "01/01/2016", "au": "31/12/2016"}
    add_documents(blanchard, maxime, 1, 10)
    parent_client.get(url, period)  # warm: the commune and the PayFiP mode are cached per node
    with_10, page = count_queries(parent_client, url, period)
    assert len(re.findall(r'<tr class="row-(?:invoice|cancellation|payment)">', page)) == 10
    add_documents(blanchard, maxime, 11, 490)
    with_500, page = count_queries(parent_client, url, period)
    # 500 documents: ten pages of 50; the first and the last cost what 10 documents do.
    assert len(re.findall(r'<tr class="row-(?:invoice|cancellation|payment)">', page)) == 50
    assert "Page 1 sur 10" in text_of(page)
    last_page, page = count_queries(parent_client, url, {**period, "page": "10"})
    assert len(re.findall(r'<tr class="row-(?:invoice|cancellation|payment)">', page)) == 50
    assert "Page 10 sur 10" in text_of(page)
    assert with_10 == with_500 == last_page, (with_10, with_500, last_page)
    # The search path, the session with its user and household (and whether a card payment
    # is pending: the notice under the service's menu), the service's book with the
    # account's id, the period's totals with the page's rows.
    assert with_10 == 4, with_10
    print(f"\n{url}: {with_10} queries with 10 documents, {with_500} with 500")
