"""The manual's payment, cancellation, deadline and places scenarios in a real browser,
paying on the local Treasury simulator over real HTTP."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import body_of
from tests.e2e.test_manual import BERTRAND, CLAIROIX_AGENT, enabled_boxes, open_planning

pytestmark = pytest.mark.e2e

ACCEPTED = "4111 1111 1111 1111"
REFUSED = "4000 0000 0000 0002"


def euros(amount):
    return f"{amount:.2f}".replace(".", ",")


def next_month_panel(page, child):
    page.get_by_role("link", name=child, exact=True).click()
    panel = page.locator("section.tab-panel[id^='enfant-']:visible").first
    panel.get_by_role("link", name=re.compile(r"\d{4}$")).nth(1).click()
    return panel.locator("fieldset.month:visible")


def pick_days(page, child, count):
    month = next_month_panel(page, child)
    boxes = enabled_boxes(month)
    days = []
    for n in range(count):
        box = boxes.nth(n)
        box.check()
        days.append(box.get_attribute("data-day"))
    return days


def pay_by_card(walk, card, name="carte"):
    page = walk.page
    page.get_by_role("button", name="Payer par carte bancaire").click()
    expect(
        page.get_by_role("heading", name="Bienvenue sur la solution de paiement de la DGFIP")
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"cant\d{9}"))).to_be_visible()
    walk.shot(f"{name}-tresor")
    page.get_by_role("button", name="Payer par carte bancaire").click()
    page.get_by_label("Numéro de carte").fill(card)
    page.get_by_label("Année").select_option(index=3)
    page.get_by_label("Cryptogramme visuel").fill("123")
    walk.shot(f"{name}-carte")
    page.get_by_role("button", name="VALIDER").click()


def reserve_and_pay(walk, maxime_days=2):
    """Log in, book days for Maxime next month, pay them on the simulator."""
    page = walk.page
    walk.login("Clairoix", BERTRAND)
    open_planning(page)
    days = pick_days(page, "Maxime", maxime_days)
    page.get_by_role("button", name="Finaliser la commande").click()
    pay_by_card(walk, ACCEPTED)
    expect(page.get_by_text("Paiement accepté — réservations confirmées.")).to_be_visible()
    return days


def test_reserve_and_pay(walk):
    page = walk.page
    walk.login("Clairoix", BERTRAND)
    open_planning(page)
    maxime = next_month_panel(page, "Maxime")
    maxime.get_by_role("button", name="Tous les lundis").click()
    mondays = maxime.locator("input[type=checkbox][data-weekday='0']:checked")
    mondays.last.uncheck()
    booked = mondays.count()
    lea_days = pick_days(page, "Léa", 2)
    page.get_by_role("button", name="Finaliser la commande").click()
    meals = booked + len(lea_days)
    to_pay = 4.70 * meals - 4.70  # the demo account starts 4,70 € in credit
    expect(page.get_by_text(f"Somme à payer : {euros(to_pay)}")).to_be_visible()
    walk.shot("recapitulatif")

    pay_by_card(walk, ACCEPTED)
    expect(page.get_by_text("Paiement accepté — réservations confirmées.")).to_be_visible()
    walk.shot("paiement-accepte")
    ticket = walk.product.wait_for_email(BERTRAND, "Ticket de paiement")
    assert euros(to_pay) in body_of(ticket)
    walk.product.wait_for_email(BERTRAND, "votre commande")

    open_planning(page)
    maxime = next_month_panel(page, "Maxime")
    expect(maxime.locator("td.day.reserved")).to_have_count(booked)
    expect(maxime.locator("td.day.reserved").first).to_contain_text("réservé")
    walk.shot("planning-orange")

    page.get_by_role("link", name="Consultation compte").click()
    page.get_by_role("button", name="Rechercher").click()
    invoice = page.get_by_role("link", name=re.compile(r"facture n° FA\d{10}")).last
    expect(invoice).to_be_visible()
    invoice_number = re.search(r"FA\d{10}", invoice.inner_text()).group(0)
    expect(page.get_by_role("link", name=re.compile(r"^n° RG\d{10}")).last).to_be_visible()
    closing = page.get_by_role("row", name=re.compile("Solde de fin")).last
    expect(closing).to_contain_text("0,00")
    walk.shot("compte")

    page.get_by_role("link", name="Consultation factures").click()
    row = page.get_by_role("row", name=re.compile(invoice_number))
    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile("Imprimer")).or_(
            row.get_by_role("button", name=re.compile("Imprimer"))
        ).click()
    pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert invoice_number in text
    assert euros(4.70 * meals) in text
    walk.shot("factures")


def test_cancel_into_credit(walk):
    page = walk.page
    days = reserve_and_pay(walk, maxime_days=2)
    open_planning(page)
    month = next_month_panel(page, "Maxime")
    month.locator(f"input[data-day='{days[0]}']").uncheck()
    page.get_by_role("button", name="Finaliser la commande").click()
    expect(page.get_by_text("Nouveau solde : 4,70")).to_be_visible()
    walk.shot("recap-credit")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Vos réservations et annulations sont enregistrées")).to_be_visible()

    page.get_by_role("link", name="Consultation compte").click()
    expect(page.get_by_role("link", name=re.compile(r"avoir n° AV\d{10}")).last).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Solde de fin")).last).to_contain_text("4,70")
    walk.shot("compte-avoir")

    page.get_by_role("link", name="Réservation", exact=True).click()
    pick_days(page, "Léa", 1)
    page.get_by_role("button", name="Finaliser la commande").click()
    expect(page.get_by_text("Nouveau solde : 0,00")).to_be_visible()
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Vos réservations et annulations sont enregistrées")).to_be_visible()
    walk.shot("credit-utilise")


def test_refused_and_abandoned_payment(walk):
    page = walk.page
    walk.login("Clairoix", BERTRAND)
    for card, outcome in ((REFUSED, "Paiement refusé."), (None, "Paiement abandonné.")):
        open_planning(page)
        pick_days(page, "Maxime", 2)
        page.get_by_role("button", name="Finaliser la commande").click()
        if card:
            pay_by_card(walk, card, name="refus")
        else:
            page.get_by_role("button", name="Payer par carte bancaire").click()
            page.get_by_role("button", name="Annuler").click()
        expect(page.get_by_text(outcome)).to_be_visible()
        walk.shot(outcome.lower().rstrip(".").replace(" ", "-"))
        open_planning(page)
        month = next_month_panel(page, "Maxime")
        expect(month.locator("td.day.reserved")).to_have_count(0)
        expect(month.locator("td.day.held")).to_have_count(0)


def test_deadlines_and_places(walk, browser):
    page = walk.page
    walk.login("Clairoix", BERTRAND)
    open_planning(page)
    page.get_by_role("link", name="Maxime", exact=True).click()
    panel = page.locator("section.tab-panel[id^='enfant-']:visible").first
    past = panel.locator("fieldset.month:visible td.locked").first
    expect(past).to_contain_text("délai dépassé")
    expect(past.locator("input")).to_be_disabled()
    expect(past).to_contain_text(re.compile(r"modifiable jusqu'au \w+ \d\d/\d\d à \d\d:\d\d"))

    month = next_month_panel(page, "Maxime")
    box = enabled_boxes(month).first
    day = box.get_attribute("data-day")
    box.check()
    page.get_by_role("button", name="Finaliser la commande").click()
    expect(page.get_by_text("Nouveau solde : 0,00")).to_be_visible()  # the demo's credit

    # Meanwhile, at the town hall, the last place of that day goes to another child.
    agent = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    office = agent.new_page()
    office.goto(walk.product.url + "/Clairoix/admin/")
    office.get_by_label("Adresse e-mail").fill(CLAIROIX_AGENT)
    office.get_by_label("Mot de passe").fill("preau-demo-2026")
    office.get_by_role("button", name="Connexion").click()
    office.goto(walk.product.url + "/Clairoix/admin/booking/siteday/add/")
    office.get_by_label("Site").select_option(index=1)
    year, month_number, day_number = day.split("-")
    office.get_by_label("Jour").fill(f"{day_number}/{month_number}/{year}")
    office.get_by_label("Places (exception)").fill("0")
    office.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(office.get_by_text("Enregistré : places d'un jour")).to_be_visible()
    agent.close()

    page.get_by_role("button", name="Valider").click()
    date_shown = f"{day_number}/{month_number}/{year}"
    expect(page.get_by_text(f"{date_shown} : plus de place disponible")).to_be_visible()
    walk.shot("place-prise")
    month = next_month_panel(page, "Maxime")
    full = month.locator(f"input[data-day='{day}']")
    expect(full).to_be_disabled()
    expect(month.locator(f"td:has(input[data-day='{day}'])")).to_contain_text("complet")
    walk.shot("jour-complet")


def test_pending_payment(walk):
    """Half-way through a card payment the parent comes back: the held days are yellow as
    the legend says and say it once; a banner offers "Reprendre le paiement" (the same
    Treasury page) and "Abandonner" (the places go back), on the planning and the home."""
    page = walk.page
    walk.login("Clairoix", BERTRAND)
    open_planning(page)
    days = pick_days(page, "Maxime", 2)
    page.get_by_role("button", name="Finaliser la commande").click()
    page.get_by_role("button", name="Payer par carte bancaire").click()
    expect(page.get_by_text(re.compile(r"cant\d{9}"))).to_be_visible()
    treasury_page = page.url

    walk.go("/Clairoix/reservations/cant/reservation/")  # back to Préau by its address
    banner = page.locator(".pending-payment")
    to_pay = euros(4.70 * 2 - 4.70)
    expect(banner).to_contain_text(re.compile(rf"{to_pay}\s€ à payer par carte : encore 1\d min"))
    month = next_month_panel(page, "Maxime")
    held = month.locator("td.day.held")
    expect(held).to_have_count(2)
    legend = page.locator(".legend .held .box").first
    colour = "el => getComputedStyle(el).backgroundColor"
    assert held.first.evaluate(colour) == legend.evaluate(colour)
    assert held.first.locator(".day-state").inner_text().count("en attente de paiement") == 1
    assert {held.nth(n).locator("input").get_attribute("data-day") for n in range(2)} == set(days)
    test_banner = page.locator(".test-banner")
    if test_banner.count():
        line = test_banner.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
        assert test_banner.bounding_box()["height"] < 2 * line + 12  # one line and padding
    walk.shot("paiement-en-attente")

    banner.get_by_role("button", name="Reprendre le paiement").click()
    expect(page.get_by_text(re.compile(r"cant\d{9}"))).to_be_visible()
    assert page.url == treasury_page
    walk.go("/Clairoix/accueil/")
    expect(page.locator(".pending-payment")).to_contain_text("Reprendre le paiement")
    walk.shot("accueil-paiement-en-attente")
    page.locator(".pending-payment").get_by_role("button", name="Abandonner").click()
    expect(page.get_by_text("les places sont libérées")).to_be_visible()
    month = next_month_panel(page, "Maxime")
    expect(month.locator("td.day.held")).to_have_count(0)
    expect(page.locator(".pending-payment")).to_have_count(0)
    walk.shot("paiement-abandonne")


def test_shortcuts_never_cancel_paid_meals_silently(walk):
    page = walk.page
    days = reserve_and_pay(walk, maxime_days=2)
    open_planning(page)
    month = next_month_panel(page, "Maxime")
    summary = page.locator("[data-change-summary]")
    month.get_by_role("button", name="Comme pour Léa").click()
    for day in days:
        expect(month.locator(f"input[data-day='{day}']")).to_be_checked()
    expect(summary).to_have_text("Aucune modification")
    month.get_by_role("button", name="Tous les lundis").click()
    month.get_by_role("button", name="Tous les lundis").click()
    for day in days:
        expect(month.locator(f"input[data-day='{day}']")).to_be_checked()
    month.get_by_role("button", name="Tout décocher (annule 2 repas payés)").click()
    for day in days:
        cell = month.locator(f"td:has(input[data-day='{day}'])")
        expect(cell).to_contain_text("à annuler")
        expect(cell).not_to_contain_text("réservé")
    expect(summary).to_have_text("2 annulés")
    month.locator(f"input[data-day='{days[0]}']").check()
    expect(summary).to_have_text("1 annulé")
    walk.shot("tout-decocher")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_role("link", name="Coordonnées").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    expect(summary).to_have_text("1 annulé")  # still on the page, nothing lost
