"""The parent's grid and recap as read on a phone: every day says why, shortcuts never
cancel paid meals silently, a held day says it once, a recap across a price change is true."""

import datetime
import re
from decimal import Decimal

from django.template.loader import render_to_string

from booking import selectors, services
from booking.models import Closure, Price, Reservation
from ledger import services as ledger_services
from tests.booking.factories import paris

PLANNING = "/Clairoix/reservations/cant/reservation/"
RECAP = "/Clairoix/reservations/cant/recapitulatif/"
NOW = paris(2026, 12, 15, 9, 0)


def key(child, kind, day):
    return selectors.cell_key(child.pk, kind.pk, day)


def is_off_day(day):
    """A day of the month without a box (an OffDay, saying why)."""
    return day is not None and not hasattr(day, "key")


def grid_html(planning):
    return " ".join(render_to_string("booking/_grid.html", {"planning": planning}).split())


def maxime_month(planning, month_index=0):
    tab = next(t for t in planning.children if t.child.first_name == "Maxime")
    return tab.kinds[0].months[month_index]


def state_text(html, cell_key):
    match = re.search(rf'id="{cell_key}-etat">(.*?)</td>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


# Item 2: every day cell says its state in words ------------------------------------------


def test_closures_holidays_and_school_holidays_say_so_in_the_grid(canteen_2027, blanchard):
    c = canteen_2027
    strike = datetime.date(2027, 1, 12)  # a Tuesday Maxime eats at school
    Closure.objects.create(service=c.service, day=strike, reason="grève")
    planning = selectors.planning_for(blanchard.household, c.service, now=NOW)
    january = maxime_month(planning)
    cells = {cell.day: cell for cell in january.cells}
    assert (cells[strike].state, cells[strike].disabled) == ("closed", True)
    assert cells[strike].reason == "fermé : grève"
    off = {d.day: d.words for week in january.weeks for d in week if is_off_day(d)}
    assert off[datetime.date(2027, 1, 1)] == "férié"  # New Year's Day, a Friday
    assert off[datetime.date(2027, 1, 6)] == "pas de repas"  # Wednesday: no meal for Maxime
    february = maxime_month(planning, 1)
    holidays = [
        day.words
        for week in february.weeks
        for day in week
        if is_off_day(day) and day.day.weekday() in (0, 1, 3, 4)
    ]
    assert "vacances" in holidays  # zone B winter holidays
    html = grid_html(planning)
    assert state_text(html, key(c.maxime, c.meal, strike)) == "fermé : grève"
    assert "vendredi 1 janvier : férié" in " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_every_open_day_has_a_short_phone_form_of_its_cutoff(canteen_2027, blanchard):
    c = canteen_2027
    planning = selectors.planning_for(blanchard.household, c.service, now=NOW)
    monday = next(cell for cell in maxime_month(planning).cells if cell.day.day == 11)
    assert monday.deadline_text == "modifiable jusqu'au jeudi 07/01 à 10:00"
    assert monday.deadline_short == "jusqu'au 07/01 10:00"
    html = grid_html(planning)
    assert '<span class="deadline short">jusqu&#x27;au 07/01 10:00</span>' in html
    past = selectors.planning_for(blanchard.household, c.service, now=paris(2027, 1, 8, 12, 0))
    late = next(cell for cell in maxime_month(past).cells if cell.day.day == 11)
    assert late.reason == "délai dépassé"
    assert "délai dépassé" in state_text(grid_html(past), late.key)


# Item 4: a held day says "en attente de paiement" once ------------------------------------


def test_a_held_day_says_en_attente_de_paiement_once(canteen_2027, blanchard):
    c = canteen_2027
    day = datetime.date(2027, 1, 11)
    order = services.draft_order(
        household=blanchard.household,
        service=c.service,
        wanted_keys={key(c.maxime, c.meal, day)},
        created_by=blanchard.user,
        now=NOW,
    )
    services.hold_order(order=order, household=blanchard.household, now=NOW)
    html = grid_html(selectors.planning_for(blanchard.household, c.service, now=NOW))
    assert state_text(html, key(c.maxime, c.meal, day)) == "en attente de paiement"
    assert 'class="day held locked"' in html


# Item 3: shortcuts only add; "Tout décocher" says what it cancels -------------------------


def book(blanchard, canteen, days, child=None):
    child = child or canteen.maxime
    order = services.draft_order(
        household=blanchard.household,
        service=canteen.service,
        wanted_keys={key(child, canteen.meal, d) for d in days},
        created_by=blanchard.user,
    )
    services.validate_order(order=order, household=blanchard.household, allow_debit=True)


def month_value(planning, child_name, prefix_only=False):
    tab = next(t for t in planning.children if t.child.first_name == child_name)
    month = tab.kinds[0].months[1]
    return f"{tab.child.pk}-{tab.kinds[0].meal_kind.pk}-{month.month:%Y%m}", month


def posted(month_cells):
    return {cell.key: "on" for cell in month_cells if cell.checked and not cell.disabled}


def test_comme_pour_lea_never_unticks_maximes_paid_meals(parent_client, canteen, blanchard):
    planning = parent_client.get(PLANNING).context["planning"]
    value, month = month_value(planning, "Maxime")
    paid = [cell.day for cell in month.cells if not cell.disabled][:6]
    book(blanchard, canteen, paid)
    planning = parent_client.get(PLANNING).context["planning"]
    _, month = month_value(planning, "Maxime")
    lea = next(t for t in planning.children if t.child.first_name == "Léa")
    response = parent_client.post(
        PLANNING, {**posted(month.cells), "copy": f"{value}-{lea.child.pk}"}
    )
    _, after = month_value(response.context["planning"], "Maxime")
    assert [cell.day for cell in after.cells if cell.checked] == paid
    assert response.context["cancelled"] == 0
    assert "Aucune modification" in response.content.decode()


def test_tous_les_lundis_pressed_twice_keeps_the_mondays(parent_client, canteen):
    planning = parent_client.get(PLANNING).context["planning"]
    value, month = month_value(planning, "Maxime")
    once = parent_client.post(PLANNING, {"shortcut": f"{value}-0"})
    _, month = month_value(once.context["planning"], "Maxime")
    mondays = [cell for cell in month.cells if cell.weekday == 0 and not cell.disabled]
    assert mondays and all(cell.checked for cell in mondays)
    twice = parent_client.post(PLANNING, {**posted(month.cells), "shortcut": f"{value}-0"})
    _, month = month_value(twice.context["planning"], "Maxime")
    assert all(cell.checked for cell in month.cells if cell.weekday == 0 and not cell.disabled)
    assert f"{len(mondays)} jours ajoutés" in twice.content.decode()


def test_tout_decocher_says_how_many_paid_meals_and_marks_them_a_annuler(
    parent_client, canteen, blanchard
):
    planning = parent_client.get(PLANNING).context["planning"]
    value, month = month_value(planning, "Maxime")
    free = [cell for cell in month.cells if not cell.disabled]
    book(blanchard, canteen, [cell.day for cell in free[:2]])
    page = parent_client.get(PLANNING)
    assert "Tout décocher (annule 2 repas payés)" in page.content.decode()
    _, month = month_value(page.context["planning"], "Maxime")
    extra = free[2]
    response = parent_client.post(
        PLANNING, {**posted(month.cells), extra.key: "on", "shortcut": f"{value}-none"}
    )
    html = " ".join(response.content.decode().split())
    for cell in free[:2]:
        assert state_text(html, cell.key).startswith("à annuler")
        assert '<td class="day reserved to-cancel">' in html
    assert "0 jours ajoutés" not in html and "2 annulés" in html
    # One box ticked and one paid day unticked: the bar says both before "Finaliser".
    _, month = month_value(response.context["planning"], "Maxime")
    mixed = {free[0].key: "on", extra.key: "on", "shortcut": "nothing"}
    response = parent_client.post(PLANNING, mixed)
    assert "1 jour ajouté, 1 annulé" in " ".join(response.content.decode().split())
    assert Reservation.objects.filter(status="confirmed").count() == 2  # nothing applied


def test_without_javascript_the_draft_is_kept_for_the_session(parent_client, canteen):
    planning = parent_client.get(PLANNING).context["planning"]
    value, _month = month_value(planning, "Maxime")
    parent_client.post(PLANNING, {"shortcut": f"{value}-all"})
    again = parent_client.get(PLANNING)
    _, month = month_value(again.context["planning"], "Maxime")
    enabled = [cell for cell in month.cells if not cell.disabled]
    assert enabled and all(cell.checked for cell in enabled)
    assert "Vos modifications non finalisées sont conservées" in again.content.decode()
    forgotten = parent_client.get(PLANNING + "?oublier=1")
    _, month = month_value(forgotten.context["planning"], "Maxime")
    assert not any(cell.checked for cell in month.cells)
    assert not Reservation.objects.exists()


# Issue 10, item 8: a recap across a price change ------------------------------------------


def test_the_recap_across_a_price_change_has_one_true_line_per_price(
    parent_client, canteen, blanchard
):
    planning = parent_client.get(PLANNING).context["planning"]
    _, month = month_value(planning, "Maxime")
    free = [cell for cell in month.cells if not cell.disabled][:4]
    Price.objects.create(meal_kind=canteen.meal, amount=Decimal("4.90"), valid_from=free[2].day)
    ledger_services.record_payment(
        household=blanchard.household,
        service_code="cant",
        amount=Decimal("1.00"),
        mode="cash",
        recorded_by=blanchard.user,
        idempotency_key="prepaid",
    )
    parent_client.post(PLANNING, {**{c.key: "on" for c in free}, "finalize": "1"})
    response = parent_client.get(RECAP)
    rows = response.context["recap"].rows
    assert [(r.quantity, r.unit_price, r.amount) for r in rows] == [
        (2, Decimal("4.70"), Decimal("9.40")),
        (2, Decimal("4.90"), Decimal("9.80")),
    ]
    assert [r.days for r in rows] == [[free[0].day, free[1].day], [free[2].day, free[3].day]]
    html = " ".join(response.content.decode().replace("\xa0", " ").split())
    assert "2 × 4,70 € = −9,40 €" in html and "2 × 4,90 € = −9,80 €" in html
    for row_html in re.findall(r'<tr class="line">(.*?)</tr>', html):
        quantity, price, _credit, debit = re.findall(r'class="num desktop-only">([^<]*)<', row_html)
        to_decimal = lambda text: Decimal(text.replace(" €", "").replace(",", "."))  # noqa: E731
        assert int(quantity) * to_decimal(price) == to_decimal(debit)
    for cell in free:
        assert cell.day.strftime("%d/%m") in html
    assert "Somme à payer" in html and "18,20 €" in html
