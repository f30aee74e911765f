"""The staff workspace walked as the town hall's agents, at 1280×800 and on a 768×1024
tablet: the dashboard, the kitchen list on the next service day and its file, each export
downloaded and opened, a price change seen in the journal."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e import conftest as e2e

pytestmark = pytest.mark.e2e

REGISSEUR = "regisseur@clairoix.example"
AGENT = "agent@clairoix.example"
ADMINISTRATEUR = "mairie@clairoix.example"
AGENT_SIZES = {"desktop": {"width": 1280, "height": 800}, "tablet": {"width": 768, "height": 1024}}


@pytest.fixture(params=list(AGENT_SIZES))
def agent_walk(request, browser, demo, monkeypatch):
    size = request.param
    monkeypatch.setitem(e2e.SIZES, size, AGENT_SIZES[size])
    walker = e2e.Walk(browser, demo, request.node.originalname.removeprefix("test_"), size)
    yield walker
    walker.close()


def staff_login(walk, email):
    page = walk.page
    walk.go("/Clairoix/admin/login/?next=/Clairoix/gestion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(e2e.PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()


def open_menu(walk, label):
    """The side bar on a desktop; on a tablet the menu opens from its button first."""
    page = walk.page
    toggle = page.get_by_role("button", name="Menu")
    if walk.size == "tablet":
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    else:
        expect(toggle).to_be_hidden()
    page.get_by_role("navigation", name="Menu de gestion").get_by_role("link", name=label).click()


def download(walk, button):
    with walk.page.expect_download() as info:
        button.click()
    item = info.value
    return item.suggested_filename, item.path().read_bytes()


def csv_rows(content):
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(content):
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_dashboard_kitchen_and_exports(agent_walk):
    walk, page = agent_walk, agent_walk.page
    staff_login(walk, REGISSEUR)
    expect(page.get_by_text("RÉGIE Régine")).to_be_visible()
    for heading in ("Familles débitrices", "Argent par mois", "Paiements par carte"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    next_day = page.get_by_role("heading", name=re.compile("Prochain jour de service"))
    expect(next_day).to_be_visible()
    chart = page.locator("svg.chart").first
    expect(chart).to_be_visible()
    page.get_by_text("Voir les chiffres").first.click()
    walk.shot("tableau-de-bord")

    # The kitchen list opens on the next service day, the one the dashboard names.
    day = re.search(r"\d\d/\d\d/\d{4}", next_day.inner_text()).group(0)
    open_menu(walk, "Cuisine")
    expect(page.get_by_role("heading", level=1)).to_contain_text(day)
    walk.shot("cuisine")
    name, content = download(walk, page.get_by_role("button", name="Télécharger (CSV pour Excel)"))
    assert name.endswith(".csv")
    rows = csv_rows(content)
    assert rows[0] == ["Date", "Site", "Repas", "Nom", "Prénom", "Classe", "Groupe"]
    assert all(row[0] == day for row in rows[1:])
    name, content = download(walk, page.get_by_role("button", name="Télécharger (XLSX)"))
    assert name.endswith(".xlsx") and xlsx_rows(content)[0][0] == "Date"
    page.get_by_role("link", name="Vue de la semaine").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Repas de la semaine")
    walk.shot("cuisine-semaine")

    # Every export, in both formats, downloaded and opened.
    open_menu(walk, "Exports")
    walk.shot("exports")
    expected = {
        "Familles": "Foyer",
        "Réservations": "Date",
        "Effectifs cuisine": "Date",
        "Factures et avoirs": "Numéro",
        "Règlements par mode": "Numéro",
    }
    for label, first_header in expected.items():
        section = page.locator("li").filter(has=page.get_by_role("heading", name=label, exact=True))
        _name, content = download(walk, section.get_by_role("button", name=re.compile("CSV")))
        assert csv_rows(content)[0][0] == first_header, label
        _name, content = download(walk, section.get_by_role("button", name=re.compile("XLSX")))
        assert xlsx_rows(content)[0][0] == first_header, label
    families = csv_rows(
        download(walk, page.get_by_role("button", name=re.compile("CSV pour Excel — Familles")))[1]
    )
    assert "BLANCHARD" in {row[0] for row in families[1:]}  # MARTIN lives in Les Ageux


def test_a_price_change_shows_in_the_journal(agent_walk):
    walk, page = agent_walk, agent_walk.page
    staff_login(walk, ADMINISTRATEUR)
    open_menu(walk, "Paramètres (administration)")
    walk.go("/Clairoix/admin/booking/mealkind/")
    # The canteen's "Repas" (listed first; the Repas ALSH service has its own "Repas").
    page.get_by_role("link", name="Repas", exact=True).first.click()
    page.locator('input[name="prices-0-amount"]').fill("4,80")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".messagelist, .success").first).to_be_visible()
    walk.go("/Clairoix/gestion/")
    open_menu(walk, "Journal")
    expect(page.get_by_role("heading", name="Journal des actions")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Tarif modifié")
    expect(row).to_contain_text("4,80")
    expect(row).to_contain_text("Changement de tarif")
    page.get_by_label("Action", exact=True).select_option(label="Changement de tarif")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("row").filter(has_text="Tarif modifié")).to_have_count(1)
    walk.shot("journal")


def test_an_agent_sees_the_daily_service_only(agent_walk):
    walk, page = agent_walk, agent_walk.page
    staff_login(walk, AGENT)
    expect(page.get_by_role("heading", name="Familles débitrices")).to_have_count(0)
    open_menu(walk, "Exports")
    expect(page.get_by_role("heading", name="Factures et avoirs")).to_have_count(0)
    expect(page.get_by_role("heading", name="Familles", exact=True)).to_be_visible()
    walk.shot("exports-agent")
