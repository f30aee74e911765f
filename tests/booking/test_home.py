"""The home page answers "what do I owe, what is booked next, until when can I book"."""

import datetime
import re

from booking import selectors, services
from ledger import services as ledger_services
from tests.booking.factories import paris

NOW = paris(2026, 12, 15, 9, 0)  # a Tuesday; Christmas holidays from the 19th


def test_the_summary_per_service(canteen_2027, blanchard):
    from booking import home

    c = canteen_2027
    january_4 = datetime.date(2027, 1, 4)
    order = services.draft_order(
        household=blanchard.household,
        service=c.service,
        wanted_keys={selectors.cell_key(c.maxime.pk, c.meal.pk, january_4)},
        created_by=blanchard.user,
        now=NOW,
    )
    services.validate_order(order=order, household=blanchard.household, now=NOW, allow_debit=True)
    (summary,) = home.home_summaries(blanchard.household, now=NOW)
    assert summary.name == "Restaurant scolaire"
    assert summary.owes and summary.amount_owed.to_eng_string() == "4.70"
    assert summary.school_days == [datetime.date(2026, 12, d) for d in (15, 16, 17, 18)] + [
        january_4
    ]
    meals = {child.name: child.meals for child in summary.children}
    assert meals == {"Maxime": [(january_4, "", False)], "Léa": []}
    assert summary.next_cutoff == "Réservez avant le mercredi 30/12 à 10:00 pour le lundi 04/01."
    assert [d.number for d in summary.documents] == [order_invoice_number(blanchard)]


def order_invoice_number(blanchard):
    from ledger.selectors import latest_documents

    return latest_documents(blanchard.household, "cant", limit=1)[0].number


def test_next_weeks_cutoff_is_said_as_such(canteen_2027, blanchard):
    from booking import home

    rules = selectors.service_rules(canteen_2027.service)
    # Thursday 07/01 at 11:00: Monday 11/01's cut-off is Thursday 07/01 10:00, gone; the
    # next is Tuesday 12/01's, Friday 08/01 at 10:00: next week.
    text = home.next_cutoff_text(rules, paris(2027, 1, 7, 11, 0))
    assert text == "Réservez avant le vendredi 08/01 à 10:00 pour la semaine prochaine."


def test_the_home_page_links_each_answer_to_its_page(parent_client, canteen, blanchard):
    ledger_services.record_payment(
        household=blanchard.household,
        service_code="cant",
        amount="10.00",
        mode="cash",
        recorded_by=blanchard.user,
        idempotency_key="prepaid",
    )
    html = parent_client.get("/Clairoix/accueil/").content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").split())
    assert "Solde : 10,00 € en crédit" in text
    assert "Prochains repas réservés" in text and "Maxime : aucun repas réservé" in text
    assert "Réservez avant le" in text
    assert "Règlement n° RG" in text
    assert 'href="/Clairoix/reservations/cant/compte/"' in html  # the balance → the statement
    for url in ("reservations/cant/reservation/", "reservations/cant/compte/RG"):
        assert f'href="/Clairoix/{url}' in html, url
