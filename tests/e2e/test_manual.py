"""The parents' manual, walked in a real browser at phone and desktop sizes."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import body_of, link_in

pytestmark = pytest.mark.e2e

CLAIROIX_AGENT = "mairie@clairoix.example"
BERTRAND = "bertrand.blanchard@example.org"
CLAIRE = "claire.martin@example.org"
TABS = ["Réservations", "Coordonnées", "Nous contacter", "Déconnexion"]


def expect_home_tabs(page):
    nav = page.get_by_role("navigation", name="Menu principal")
    for tab in TABS:
        expect(
            nav.get_by_role("link", name=tab).or_(nav.get_by_role("button", name=tab))
        ).to_be_visible()


def test_access(walk):
    """The back office creates an account; the access e-mail's link lets the parent choose a
    password; "Connexion" with the e-mail typed in capitals opens the home with the tabs."""
    page = walk.page
    walk.go("/Clairoix/admin/")
    page.get_by_label("Adresse e-mail").fill(CLAIROIX_AGENT)
    page.get_by_label("Mot de passe").fill("preau-demo-2026")
    page.get_by_role("button", name="Connexion").click()
    walk.go("/Clairoix/admin/portal/guardian/add/")
    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("BLANCH")
    page.get_by_role("option", name="BLANCHARD").click()
    page.get_by_label("Rang").fill("3")  # the demo's BLANCHARD has two guardians already
    page.get_by_label("Civilité").select_option(label="Madame")
    page.get_by_label("Adresse e-mail (identifiant)").fill("sophie.blanchard@example.org")
    page.get_by_label(re.compile(r"^Nom\b")).fill("Blanchard")
    page.get_by_label("Prénom").fill("Sophie")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("L'e-mail d'accès est envoyé")).to_be_visible()

    message = walk.product.wait_for_email("sophie.blanchard@example.org", "Votre accès")
    assert "Votre identifiant : sophie.blanchard@example.org" in body_of(message)
    assert "preau-demo" not in body_of(message)
    link = link_in(message, r"http://127\.0\.0\.1:\d+/Clairoix/mot-de-passe/choisir/\S+/")
    walk.context.clear_cookies()
    page.goto(link)
    walk.shot("choisir-mot-de-passe")
    page.get_by_label(re.compile(r"^Nouveau mot de passe")).fill("Une phrase de passe bien longue")
    page.get_by_label("Confirmation du nouveau mot de passe").fill(
        "Une phrase de passe bien longue"
    )
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Votre mot de passe est enregistré")).to_be_visible()
    walk.shot("connexion")
    page.get_by_label("Identifiant").fill("SOPHIE.BLANCHARD@EXAMPLE.ORG")
    page.get_by_label("Mot de passe").fill("Une phrase de passe bien longue")
    page.get_by_role("button", name="Connexion").click()
    expect_home_tabs(page)
    expect(page.get_by_text("Maxime BLANCHARD")).to_be_visible()
    walk.shot("accueil")


def test_coordonnees(walk):
    page = walk.page
    walk.login("Clairoix", BERTRAND)
    page.get_by_role("link", name="Coordonnées").click()
    page.get_by_role("link", name="Vos coordonnées").click()
    walk.shot("formulaire")
    page.get_by_label("Code postal", exact=True).fill("602")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Le code postal comporte 5 chiffres").first).to_be_visible()
    walk.shot("erreur-code-postal")
    page.get_by_label("Code postal", exact=True).fill("60280")
    page.get_by_label("Portable").fill("07 81 22 33 44")
    page.get_by_label("Nom voie").fill("rue des Tilleuls")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Vos coordonnées sont enregistrées")).to_be_visible()
    notice = walk.product.wait_for_email("mairie@clairoix.example", "Avis de modification")
    changes = [line for line in body_of(notice).splitlines() if line.startswith("- ")]
    assert changes == [
        "- Nom voie : « rue des Écoles » → « rue des Tilleuls »",
        "- Portable — Responsable 1 (BLANCHARD Bertrand) : « 06 12 34 56 78 » → « 07 81 22 33 44 »",
    ]
    page.get_by_role("link", name="Vos coordonnées").click()
    expect(page.get_by_label("Nom voie")).to_have_value("rue des Tilleuls")

    walk.go("/Clairoix/coordonnees/")
    page.get_by_role("link", name="Changement mot de passe").click()
    page.get_by_label("Ancien mot de passe").fill("pas le bon mot de passe")
    page.get_by_label(re.compile(r"^Nouveau mot de passe")).fill("Un nouveau mot de passe solide")
    page.get_by_label("Confirmation du nouveau mot de passe").fill("Un nouveau mot de passe solide")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Votre ancien mot de passe est incorrect").first).to_be_visible()
    walk.shot("mot-de-passe-refuse")
    page.get_by_label("Ancien mot de passe").fill("preau-demo-2026")
    page.get_by_label(re.compile(r"^Nouveau mot de passe")).fill("Un nouveau mot de passe solide")
    page.get_by_label("Confirmation du nouveau mot de passe").fill("Un nouveau mot de passe solide")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Votre mot de passe est modifié")).to_be_visible()


def open_planning(page):
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Réservations"
    ).click()
    page.get_by_role("link", name="Restaurant scolaire").click()
    page.get_by_role("link", name="Réservation", exact=True).click()


def enabled_boxes(panel):
    return panel.locator("input[type=checkbox]:not([disabled])")


def assert_every_day_says_why(page):
    """At every width each day of the visible month says its state in words."""
    silent = page.evaluate(
        """() => Array.from(document.querySelectorAll("fieldset.month:not([hidden]) td"))
            .filter((td) => td.offsetParent !== null && td.querySelector(".day-number"))
            .filter((td) => {
              const state = td.querySelector(".day-state");
              return !state || state.innerText.trim() === "";
            })
            .map((td) => td.innerText.trim())"""
    )
    assert silent == [], silent


def test_reserve_up_to_the_recap(walk):
    """Scenario 3 up to the recap (the card payment is the PayFiP issue's)."""
    page = walk.page
    walk.login("Clairoix", BERTRAND)
    open_planning(page)
    assert_every_day_says_why(page)
    walk.shot("planning")
    page.get_by_role("link", name="Maxime").click()
    maxime = page.locator("section.tab-panel[id^='enfant-']:visible").first
    maxime.get_by_role("link", name=re.compile(r"\d{4}$")).nth(1).click()  # the next month
    month = maxime.locator("fieldset.month:visible")
    month.get_by_role("button", name="Tous les lundis").click()
    mondays = month.locator("input[type=checkbox][data-weekday='0']:checked")
    ticked = mondays.count()
    assert ticked >= 2
    mondays.last.uncheck()
    walk.shot("maxime-lundis")
    page.get_by_role("link", name="Léa").click()
    lea = page.locator("section.tab-panel[id^='enfant-']:visible").first
    lea.get_by_role("link", name=re.compile(r"\d{4}$")).nth(1).click()
    lea_month = lea.locator("fieldset.month:visible")
    boxes = enabled_boxes(lea_month)
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Finaliser la commande").click()

    expect(
        page.get_by_role("heading", name=re.compile("Récapitulatif réservations"))
    ).to_be_visible()
    ordered = page.get_by_role("row", name=re.compile("Repas commandés"))
    expect(ordered.nth(0)).to_contain_text(str(ticked - 1))
    expect(ordered.nth(1)).to_contain_text("2")
    total = 4.70 * (ticked - 1 + 2) - 4.70  # the demo account is 4,70 € in credit
    expect(page.get_by_role("row", name=re.compile("Somme à payer"))).to_contain_text(
        f"{total:.2f}".replace(".", ",")
    )
    walk.shot("recapitulatif")


def test_two_communes(walk):
    page = walk.page
    walk.login("Clairoix", BERTRAND)
    expect(page.get_by_text("Maxime BLANCHARD")).to_be_visible()
    other = walk.context.new_page()
    other.goto(walk.product.url + "/Les-Ageux/")
    other.get_by_label("Identifiant").fill(CLAIRE)
    other.get_by_label("Mot de passe").fill("preau-demo-2026")
    other.get_by_role("button", name="Connexion").click()
    expect(other.get_by_text("Hugo MARTIN")).to_be_visible()
    walk.shot("les-ageux", page=other)

    page.reload()
    expect(page.get_by_text("Maxime BLANCHARD")).to_be_visible()
    expect(page.get_by_text("Hugo")).to_have_count(0)
    other.reload()
    expect(other.get_by_text("Maxime")).to_have_count(0)
    walk.shot("clairoix")


def press_tab_until(page, locator, limit=300):
    """Move the keyboard focus, Tab by Tab, to the element a parent wants."""
    handle = locator.element_handle()
    for _ in range(limit):
        if page.evaluate("element => document.activeElement === element", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def test_keyboard_only(walk):
    page = walk.page
    walk.go("/Clairoix/")
    press_tab_until(page, page.get_by_label("Identifiant"))
    page.keyboard.type(BERTRAND)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the help text's link-free paragraph to the password
    press_tab_until(page, page.get_by_label("Mot de passe"))
    page.keyboard.type("preau-demo-2026")
    page.keyboard.press("Enter")
    nav = page.get_by_role("navigation", name="Menu principal")
    press_tab_until(page, nav.get_by_role("link", name="Réservations"))
    page.keyboard.press("Enter")
    press_tab_until(page, page.get_by_role("link", name="Restaurant scolaire"))
    page.keyboard.press("Enter")
    press_tab_until(page, page.get_by_role("link", name="Réservation", exact=True))
    page.keyboard.press("Enter")
    maxime = page.locator("section.tab-panel[id^='enfant-']:visible").first
    press_tab_until(page, maxime.get_by_role("link", name=re.compile(r"\d{4}$")).nth(1))
    page.keyboard.press("Enter")
    month = maxime.locator("fieldset.month:visible")
    press_tab_until(page, month.get_by_role("button", name="Tous les lundis"))
    page.keyboard.press("Enter")
    box = enabled_boxes(month).first
    press_tab_until(page, box)
    page.keyboard.press("Space")
    walk.shot("clavier-planning")
    press_tab_until(page, page.get_by_role("button", name="Finaliser la commande"))
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", name=re.compile("Récapitulatif réservations"))
    ).to_be_visible()
    walk.shot("clavier-recapitulatif")
