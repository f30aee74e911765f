"""Issue 13, items 3, 6 and 9 walked by an agent in the workspace, at 1280×800 and 768×1024:
declare a closure and see the credits, send a reminder and download its letter, prepare and
open the next school year."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

BERTRAND = "bertrand.blanchard@example.org"

# Run in the demo's database: BLANCHARD (4,70 € in credit) books Maxime and Léa on the
# first day the grid lets them (9,40 €: BLANCHARD in debit); the demo town's families
# eat that day too, so the script also says what a closure of the day must cancel.
BOOK_TWO_MEALS = """
from django_tenants.utils import schema_context
from booking import selectors, services
from booking.models import Service
from portal.models import Household
from tenants.models import Commune

with schema_context(Commune.objects.get(slug="Clairoix").schema_name):
    household = Household.objects.get(name="BLANCHARD")
    service = Service.objects.get(code="cant")
    planning = selectors.planning_for(household, service)
    free = {}
    for tab in planning.children:
        for month in tab.kinds[0].months:
            for cell in month.cells:
                if cell.state == "free" and not cell.disabled:
                    free.setdefault(cell.day, []).append(cell.key)
    day = min(d for d, keys in free.items() if len(keys) == 2)
    user = household.guardians.order_by("rank").first().user
    order = services.draft_order(
        household=household, service=service, wanted_keys=set(free[day]), created_by=user
    )
    services.validate_order(order=order, household=household, allow_debit=True)
    print("DAY=" + day.isoformat())
    # What a closure of that day must cancel: the demo town's families eat that day too.
    from booking.models import Reservation
    from ledger.money import format_euros

    booked = Reservation.objects.filter(day=day, meal_kind__service=service).exclude(
        status="cancelled"
    )
    print("MEALS=%d" % booked.count())
    print("FAMILIES=%d" % booked.values("child__household").distinct().count())
    print("EUROS=" + format_euros(sum(r.unit_price for r in booked)))
"""


def book_two_meals(product):
    """The day BLANCHARD booked, and what that day holds for every family: meals, families,
    euros."""
    output = product.manage("shell", "-c", BOOK_TWO_MEALS).stdout
    found = dict(re.findall(r"^(DAY|MEALS|FAMILIES|EUROS)=(.*)$", output, re.M))
    return found["DAY"], found["MEALS"], found["FAMILIES"], found["EUROS"]


def test_declare_a_closure(staff_walk, staff_login):
    day, meals, families, euros = book_two_meals(staff_walk.product)
    assert int(meals) >= 2 and int(families) >= 1
    page = staff_login("Agent", path="gestion/fermetures/")
    staff_walk.shot("fermetures")
    page.get_by_role("link", name="Déclarer une fermeture").click()
    page.get_by_label("Service").select_option(label="Restaurant scolaire")
    page.get_by_label("Jour fermé (ou premier jour)").fill(day)
    page.get_by_label("Motif").fill("grève")
    page.get_by_role("button", name="Voir ce qui sera annulé").click()
    expect(page.locator("#preview-reservations")).to_have_text(meals)
    expect(page.locator("#preview-families")).to_have_text(families)
    expect(page.locator("#preview-euros")).to_have_text(euros)
    staff_walk.shot("apercu")
    page.get_by_role("button", name="Confirmer la fermeture").click()
    expect(
        page.get_by_text(f"Fermeture enregistrée : 1 jour(s), {meals} réservation(s)")
    ).to_be_visible()
    row = page.locator("#closures-upcoming tbody tr").first
    expect(row).to_contain_text("grève")
    expect(row).to_contain_text(euros)
    expect(row).to_contain_text("CANTINE Agnès")
    staff_walk.shot("fermee")
    notice = staff_walk.product.wait_for_email(BERTRAND, "fermeture")
    assert "grève" in notice.get_body(preferencelist=("plain",)).get_content()


def test_send_a_reminder(staff_walk, staff_login):
    book_two_meals(staff_walk.product)
    page = staff_login("Régisseur", path="gestion/impayes/")
    expect(page.locator("#unpaid")).to_contain_text("BLANCHARD")
    expect(page.locator("#unpaid")).to_contain_text("4,70\u00a0€")
    staff_walk.shot("impayes")
    page.get_by_label("Relancer BLANCHARD").check()
    page.get_by_role("button", name="Relancer les familles cochées").click()
    # One letter for the family, one e-mail to each of its two guardians (Bertrand, Nathalie).
    expect(page.get_by_text("1 relance(s) envoyée(s), 2 e-mail(s)")).to_be_visible()
    staff_walk.shot("relancee")
    blanchard = page.locator("#unpaid tbody tr", has_text="BLANCHARD")
    with page.expect_download() as download:
        blanchard.get_by_role("link", name=re.compile(r"^[0-9]{2}.[0-9]{2}.[0-9]{4}$")).click()
    path = download.value.path()
    assert open(path, "rb").read(4) == b"%PDF"
    with page.expect_download() as download:
        page.get_by_role("link", name="Lettres de relance du jour (PDF)").click()
    assert open(download.value.path(), "rb").read(4) == b"%PDF"
    message = staff_walk.product.wait_for_email(BERTRAND, "relance")
    assert "4,70" in message.get_body(preferencelist=("plain",)).get_content()


def test_prepare_next_year(staff_walk, staff_login):
    page = staff_login("Administrateur", path="gestion/annee-scolaire/")
    expect(page.locator("#current-year")).to_contain_text("Année en cours")
    staff_walk.shot("annee")
    page.get_by_label("Restaurant scolaire — Repas (€)").fill("4,85")
    page.get_by_role("button", name="Préparer l'année suivante").click()
    expect(page.get_by_text(re.compile("Année scolaire .* préparée"))).to_be_visible()
    expect(page.locator("#review-prices")).to_contain_text("4,85\u00a0€")
    staff_walk.shot("preparee")
    page.get_by_role("button", name=re.compile("Ouvrir l'année aux familles")).click()
    expect(page.get_by_text(re.compile("Année scolaire .* ouverte"))).to_be_visible()
    staff_walk.shot("ouverte")
