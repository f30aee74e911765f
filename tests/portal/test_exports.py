"""The exports page and each file: opened with csv and openpyxl, rows checked; the ledger's
files are the Régisseur's; a fixed number of queries at 10 and 500 households."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from booking import service_days
from portal import exports, roles
from tests.booking.bulk import bulk_households
from tests.factories import agent_client
from tests.ledger.factories import ServiceBookFactory, at, invoice, manual_statement, meal, payment

BASE = "/Clairoix/gestion/exports/"
FILES = {
    "familles/": "gestion_export_families",
    "reservations/": "gestion_export_reservations",
    "effectifs-cuisine/": "gestion_export_kitchen",
    "factures-avoirs/": "gestion_export_documents",
    "reglements/": "gestion_export_payments",
}


def read_csv(response):
    assert response.status_code == 200, response
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response):
    assert response.status_code == 200, response
    assert response["Content-Disposition"].endswith('.xlsx"')
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def period(first, last, fmt="csv"):
    return {"du": f"{first:%Y-%m-%d}", "au": f"{last:%Y-%m-%d}", "format": fmt}


def test_the_shared_writer_speaks_french_to_excel():
    content = exports.write_csv(
        ["Montant", "Jour", "Nom"],
        [[Decimal("4.7"), datetime.date(2017, 12, 18), "Zoé; « la grande »"]],
    )
    text = content.decode("utf-8")
    assert text == '\ufeffMontant;Jour;Nom\r\n4,70;18/12/2017;"Zoé; « la grande »"\r\n'


def test_the_exports_page_lists_what_each_role_may_download(canteen):
    agent, _ = agent_client(roles.AGENT)
    html = agent.get(BASE).content.decode()
    assert "Familles" in html and "Réservations" in html and "Effectifs cuisine" in html
    assert "Factures et avoirs" not in html and "Règlements par mode" not in html
    assert agent.get(BASE + "factures-avoirs/").status_code == 403
    assert agent.get(BASE + "reglements/").status_code == 403
    regisseur, _ = agent_client(roles.REGISSEUR)
    html = regisseur.get(BASE).content.decode()
    assert "Factures et avoirs" in html and "Règlements par mode" in html
    assert 'type="date"' in html and "CSV pour Excel" in html and "XLSX" in html


def test_families_file(canteen, blanchard, dupont):
    client, _ = agent_client(roles.AGENT)
    rows = read_csv(client.get(BASE + "familles/"))
    assert rows[0][:2] == ["Foyer", "N° rue"] and rows[0][-1] == "Enfants"
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"BLANCHARD", "DUPONT"}
    assert by_name["BLANCHARD"][8] == "bertrand.blanchard@example.org"
    assert by_name["BLANCHARD"][-1] == "Léa BLANCHARD, Maxime BLANCHARD"
    assert by_name["DUPONT"][9] == "07 81 22 33 45"
    sheet = read_xlsx(client.get(BASE + "familles/", {"format": "xlsx"}))
    assert sheet[0][0] == "Foyer" and {row[0] for row in sheet[1:]} == {"BLANCHARD", "DUPONT"}


def test_reservations_and_kitchen_counts_files(canteen):
    first = service_days.next_service_day(timezone.localdate())
    second = service_days.next_service_day(first)
    bulk_households(canteen, 3, [first, second])
    client, _ = agent_client(roles.AGENT)
    rows = read_csv(client.get(BASE + "reservations/", period(first, second)))
    assert rows[0] == [
        "Date", "Foyer", "Nom", "Prénom", "Classe", "Site", "Service", "Repas", "État", "Tarif",
        "Commande",
    ]  # fmt: skip
    assert len(rows) == 1 + 6
    assert rows[1][0] == f"{first:%d/%m/%Y}" and rows[1][8] == "réservé" and rows[1][9] == "4,70"
    sheet = read_xlsx(client.get(BASE + "reservations/", period(first, second, "xlsx")))
    assert len(sheet) == 7 and sheet[1][9] == 4.7  # a number Excel can add up
    # Only the period asked.
    assert len(read_csv(client.get(BASE + "reservations/", period(first, first)))) == 1 + 3

    rows = read_csv(client.get(BASE + "effectifs-cuisine/", period(first, second)))
    assert rows == [
        ["Date", "Site", "Repas", "Enfants", "Sans porc", "Sans viande", "Végétarien"],
        [f"{first:%d/%m/%Y}", "Restaurant scolaire de Clairoix", "Repas", "3", "0", "0", "0"],
        [f"{second:%d/%m/%Y}", "Restaurant scolaire de Clairoix", "Repas", "3", "0", "0", "0"],
    ]
    sheet = read_xlsx(client.get(BASE + "effectifs-cuisine/", period(first, second, "xlsx")))
    assert [row[3] for row in sheet[1:]] == [3, 3]


def test_ledger_files_documents_with_lines_and_payments_by_mode(blanchard):
    ServiceBookFactory()
    first_day = datetime.date(2026, 9, 1)
    manual_statement(blanchard, first_day)  # FA 9,40 + FA 4,70, RG 9,40 + 4,70, AV 4,70
    maxime = blanchard.household.children.get(first_name="Maxime")
    invoice(
        blanchard,
        [meal(maxime, datetime.date(2026, 10, 5))],
        issued_at=at(datetime.date(2026, 10, 1)),
    )
    payment(blanchard, "4.70", paid_at=at(datetime.date(2026, 9, 20)), mode="cheque")
    client, _ = agent_client(roles.REGISSEUR)
    september = period(datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))
    rows = read_csv(client.get(BASE + "factures-avoirs/", september))
    assert rows[0][:6] == ["Numéro", "Type", "Date", "Foyer", "Service", "Total de la pièce"]
    kinds = [(row[1], row[5], row[12]) for row in rows[1:]]
    assert kinds == [
        ("Facture", "9,40", "4,70"),
        ("Facture", "9,40", "4,70"),
        ("Facture", "4,70", "4,70"),
        ("Avoir", "4,70", "4,70"),
    ]  # the October invoice is outside the period
    assert all(row[3] == "BLANCHARD" for row in rows[1:])
    sheet = read_xlsx(client.get(BASE + "factures-avoirs/", {**september, "format": "xlsx"}))
    assert [row[12] for row in sheet[1:]] == [4.7, 4.7, 4.7, 4.7]

    rows = read_csv(client.get(BASE + "reglements/", september))
    assert rows[0][:6] == ["Numéro", "Date", "Foyer", "Service", "Mode", "Montant"]
    assert sorted((row[4], row[5]) for row in rows[1:]) == [
        ("carte bancaire (PayFiP)", "4,70"),
        ("carte bancaire (PayFiP)", "9,40"),
        ("chèque", "4,70"),
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"du": "2026-09-30", "au": "2026-09-01"},
        {"du": "x"},
        {"du": "2020-01-01", "au": "2026-01-01"},
        {"du": "9999-01-01", "au": "9999-12-31"},
    ],
)
def test_a_bad_period_says_why_and_gives_no_file(canteen, query):
    client, _ = agent_client(roles.ADMINISTRATEUR)
    for path in ("reservations/", "effectifs-cuisine/", "factures-avoirs/", "reglements/"):
        response = client.get(BASE + path, query)
        assert response.status_code == 302 and response["Location"] == BASE
    page = client.get(BASE).content.decode()
    assert "message-error" in page


def test_every_export_costs_the_same_queries_at_10_and_500_households(canteen):
    day = service_days.next_service_day(timezone.localdate())
    client, _ = agent_client(roles.ADMINISTRATEUR)
    today = timezone.localdate()
    query = period(min(day, today.replace(day=1)), day + datetime.timedelta(days=1))
    counts = {}
    for size, added in ((10, 10), (500, 490)):
        bulk_households(canteen, added, [day])
        for path in [*FILES, ""]:
            for fmt in ("csv", "xlsx"):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(BASE + path, {**query, "format": fmt})
                assert response.status_code == 200, path
                counts[(size, path, fmt)] = len(queries)
        rows = read_csv(client.get(BASE + "familles/"))
        assert len(rows) == 1 + 1 + size  # BLANCHARD (the canteen's) and the bulk ones
    print("export queries:", counts)
    for (size, path, fmt), count in counts.items():
        assert count == counts[(10, path, fmt)], (size, path, fmt)
