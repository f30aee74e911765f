"""The workspace walked as the demo agent at 1280×800 and 768×1024: find a family, create
one with a child and its access e-mail, book on its behalf, answer a message, write to the
families; every page axe-core clean (no serious or critical violation)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, Walk, body_of
from tests.e2e.test_manual import BERTRAND, enabled_boxes

pytestmark = pytest.mark.e2e

AGENT = "agent@clairoix.example"
NEW_PARENT = "nina.lefevre@example.org"
STAFF_SIZES = {"desktop": {"width": 1280, "height": 800}, "tablet": {"width": 768, "height": 1024}}


class StaffWalk(Walk):
    def __init__(self, browser, product, scenario, size):
        # Built as "desktop" (no phone-width check: the workspace is for a desktop or a
        # tablet), then at its own size, with its screenshots in its own folder.
        super().__init__(browser, product, f"{scenario}-{size}", "desktop")
        self.size = size
        self.page.set_viewport_size(STAFF_SIZES[size])

    def staff_login(self, email):
        self.go("/Clairoix/admin/login/")
        self.page.get_by_label("Adresse e-mail").fill(email)
        self.page.get_by_label("Mot de passe").fill(PASSWORD)
        self.page.get_by_role("button", name="Connexion").click()


@pytest.fixture(params=list(STAFF_SIZES))
def agent_walk(request, browser, demo):
    walker = StaffWalk(browser, demo, "gestion-familles", request.param)
    yield walker
    walker.close()


def menu(page, name):
    nav = page.get_by_role("navigation", name="Menu de gestion")
    toggle = nav.get_by_role("button", name="Menu")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    nav.get_by_role("link", name=name, exact=True).click()


def field(scope, name):
    return scope.get_by_role("textbox", name=name, exact=True)


def choice(scope, name):
    return scope.get_by_role("combobox", name=name, exact=True)


def send_parent_message(walk, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    page.goto(walk.product.url + "/Clairoix/")
    page.get_by_label("Identifiant").fill(BERTRAND)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.goto(walk.product.url + "/Clairoix/nous-contacter/")
    page.get_by_label("Objet").fill("Allergie de Maxime")
    page.get_by_label("Message").fill("Maxime ne mange pas d'arachide.")
    page.get_by_role("button", name="Envoyer").click()
    context.close()


def test_agent_families_messages_and_bulk_email(agent_walk, browser):
    walk, page = agent_walk, agent_walk.page
    send_parent_message(walk, browser)
    walk.staff_login(AGENT)
    walk.go("/Clairoix/gestion/")

    # Find a family by a child's first name.
    menu(page, "Familles")
    page.get_by_label("Rechercher une famille").fill("Léa")
    page.get_by_role("button", name="Rechercher").click()
    walk.shot("recherche")
    page.get_by_role("link", name="BLANCHARD").click()
    expect(page.get_by_role("heading", name="Foyer BLANCHARD")).to_be_visible()
    expect(page.get_by_text("Allergie de Maxime")).to_be_visible()
    walk.shot("foyer")

    # Book on the family's behalf, with a reason.
    page.get_by_role("link", name=re.compile("Réserver ou annuler pour la famille")).first.click()
    page.get_by_label("Motif", exact=True).fill("Demande par téléphone")
    box = enabled_boxes(page.locator("fieldset.month:visible").first).first
    box.check()
    walk.shot("planning-agent")
    page.get_by_role("button", name="Valider pour le foyer").click()
    expect(page.get_by_text("Commande enregistrée pour le foyer.")).to_be_visible()

    # A new family with a child enrolled; the access e-mail goes out.
    walk.go("/Clairoix/gestion/familles/nouvelle/")
    field(page, "Nom du foyer").fill("Lefèvre")
    choice(page, "Civilité").select_option(label="Madame")
    field(page, "Nom du responsable").fill("Lefèvre")
    field(page, "Prénom du responsable").fill("Nina")
    field(page, "Adresse e-mail (identifiant du portail)").fill(NEW_PARENT)
    child = page.get_by_role("group", name="Enfant 1", exact=True)
    field(child, "Prénom").fill("Noé")
    choice(child, "Service").select_option(label="Restaurant scolaire")
    choice(child, "Site").select_option(index=1)
    choice(child, "Groupe de planning").select_option(index=1)
    walk.shot("nouvelle-famille")
    page.get_by_role("button", name="Créer la famille et envoyer l'accès").click()
    expect(page.get_by_role("heading", name="Foyer LEFÈVRE")).to_be_visible()
    expect(
        page.get_by_text(f"l'e-mail d'accès au portail est envoyé à {NEW_PARENT}")
    ).to_be_visible()
    walk.shot("famille-creee")
    access = walk.product.wait_for_email(NEW_PARENT, "Votre accès au portail des familles")
    assert "/mot-de-passe/choisir/" in body_of(access)

    # Answer the message.
    menu(page, "Messages")
    page.get_by_role("link", name="Allergie de Maxime").click()
    field(page, "Votre réponse (envoyée par e-mail au parent)").fill(
        "C'est noté, la cuisine est prévenue."
    )
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_text("Réponse envoyée à " + BERTRAND)).to_be_visible()
    walk.shot("message-repondu")
    reply = walk.product.wait_for_email(BERTRAND, "Re : Allergie de Maxime")
    assert "la cuisine est prévenue" in body_of(reply)

    # Write to the families of the canteen: preview, count, send, the sending's page.
    menu(page, "Écrire aux familles")
    choice(page, "Service").select_option(label="Restaurant scolaire")
    field(page, "Objet").fill("Sortie au parc")
    field(page, "Message").fill("Pique-nique jeudi : pensez aux casquettes.")
    page.get_by_role("button", name="Aperçu et nombre de destinataires").click()
    expect(page.get_by_text(re.compile(r"\d+ destinataires? \(\d+ foyers?\)"))).to_be_visible()
    walk.shot("ecrire-apercu")
    page.get_by_role("button", name=re.compile("^Envoyer (à|aux)")).click()
    expect(page.get_by_role("heading", name="Envoi « Sortie au parc »")).to_be_visible()
    walk.shot("envoi")
    walk.product.wait_for_email(BERTRAND, "Sortie au parc")
