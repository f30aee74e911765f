"""The kitchen list: the next service day, children counted, the week view, its files."""

import csv
import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from booking import service_days
from booking.models import Closure, ExceptionalDay
from portal import roles
from tests.booking.bulk import bulk_households
from tests.factories import agent_client

FRI = datetime.date(2027, 1, 8)
MON = datetime.date(2027, 1, 11)
TUE = datetime.date(2027, 1, 12)
THU = datetime.date(2027, 1, 14)


def test_the_next_service_day_skips_weekends_holidays_closures_and_days_off(canteen_2027):
    c = canteen_2027
    assert service_days.next_service_day(FRI) == MON  # not Saturday
    assert service_days.next_service_day(TUE) == THU  # Wednesday: no planning group eats
    # The last day before the Christmas holidays → the Monday school starts again.
    assert service_days.next_service_day(datetime.date(2026, 12, 18)) == datetime.date(2027, 1, 4)
    Closure.objects.create(service=c.service, day=MON, reason="grève")
    assert service_days.next_service_day(FRI) == TUE
    # An exceptional meal on a Wednesday is a service day.
    ExceptionalDay.objects.create(meal_kind=c.special, day=TUE + datetime.timedelta(days=1))
    assert service_days.next_service_day(TUE) == TUE + datetime.timedelta(days=1)
    assert service_days.previous_service_day(MON) == FRI
    # After the last school day, nothing.
    assert service_days.next_service_day(datetime.date(2027, 7, 3)) is None


def test_the_kitchen_list_opens_on_the_next_service_day(canteen):
    today = timezone.localdate()
    day = service_days.next_service_day(today)
    bulk_households(canteen, 3, [day])
    client, _user = agent_client(roles.AGENT)
    page = client.get("/Clairoix/gestion/cuisine/").content.decode()
    assert f"{day:%d/%m/%Y}" in page.split("<h1>")[1].split("</h1>")[0]
    assert "3 enfants au total" in page
    assert "Restaurant scolaire de Clairoix — Repas : 3 repas" in page
    assert 'aria-current="page">Cuisine' in page  # the menu says where we are
    assert "Vue de la semaine" in page


def test_the_kitchen_exports_open_in_excel_and_openpyxl(canteen):
    day = service_days.next_service_day(timezone.localdate())
    bulk_households(canteen, 2, [day])
    client, _user = agent_client(roles.AGENT)
    response = client.get(
        "/Clairoix/gestion/cuisine/", {"jour": f"{day:%Y-%m-%d}", "format": "csv"}
    )
    assert response["Content-Disposition"] == f'attachment; filename="cuisine-{day:%Y-%m-%d}.csv"'
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Date", "Site", "Repas", "Nom", "Prénom", "Classe", "Groupe"]
    assert len(rows) == 3
    assert rows[1][:3] == [f"{day:%d/%m/%Y}", "Restaurant scolaire de Clairoix", "Repas"]
    assert rows[1][4:] == ["Camille", "CE1", "Élémentaire"]

    response = client.get(
        "/Clairoix/gestion/cuisine/", {"jour": f"{day:%Y-%m-%d}", "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("Date", "Site", "Repas") and len(values) == 3
    assert values[1][0] == datetime.datetime.combine(day, datetime.time())  # a real date
    assert values[1][5] == "CE1"


def test_the_week_view_counts_children_per_day_and_its_file(canteen):
    first = service_days.next_service_day(timezone.localdate())
    second = service_days.next_service_day(first)
    monday = first - datetime.timedelta(days=first.weekday())
    days = [d for d in (first, second) if d - monday < datetime.timedelta(days=7)]
    bulk_households(canteen, 4, days)
    client, _user = agent_client(roles.LECTURE)
    page = client.get("/Clairoix/gestion/cuisine/semaine/", {"jour": f"{first:%Y-%m-%d}"})
    html = page.content.decode()
    assert f"Repas de la semaine du {monday:%d/%m/%Y}" in html
    assert html.count('<td class="num"><strong>4</strong></td>') == len(days)
    response = client.get(
        "/Clairoix/gestion/cuisine/semaine/", {"jour": f"{first:%Y-%m-%d}", "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Date", "Site", "Repas", "Enfants", "Sans porc", "Sans viande", "Végétarien"]
    assert rows[1:] == [
        [f"{d:%d/%m/%Y}", "Restaurant scolaire de Clairoix", "Repas", "4", "0", "0", "0"]
        for d in days
    ]


def test_bad_kitchen_parameters_show_a_page_not_an_error(canteen):
    client, _user = agent_client(roles.AGENT)
    for query in (
        "?jour=31/02/2027",
        "?site=abc",
        "?site=99999999999",
        "?jour=2027-13-01&format=xx",
        "?jour=9999-12-31",
        "?jour=0001-01-01",
    ):
        assert client.get("/Clairoix/gestion/cuisine/" + query).status_code == 200
        assert client.get("/Clairoix/gestion/cuisine/semaine/" + query).status_code == 200


def test_the_kitchen_pages_cost_the_same_queries_at_10_and_500_households(canteen):
    day = service_days.next_service_day(timezone.localdate())
    client, _user = agent_client(roles.AGENT)
    counts = {}
    for size, added in ((10, 10), (500, 490)):
        bulk_households(canteen, added, [day])
        for url in ("/Clairoix/gestion/cuisine/", "/Clairoix/gestion/cuisine/semaine/"):
            for fmt in ("", "csv"):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url, {"jour": f"{day:%Y-%m-%d}", "format": fmt})
                assert response.status_code == 200
                counts[(size, url, fmt)] = len(queries)
    print("kitchen queries:", counts)
    for (size, url, fmt), count in counts.items():
        assert count == counts[(10, url, fmt)], (size, url, fmt)
