import re
from decimal import Decimal

from booking import selectors
from booking.models import Order, Reservation
from ledger import services as ledger_services
from notifications.models import OutboxEmail
from portal import roles
from tests.booking.pages import PLANNING, RECAP, first_free_cells, grid  # noqa: F401
from tests.factories import PASSWORD, UserFactory


def test_reservations_tab_leads_to_the_service_and_its_three_buttons(parent_client, canteen):
    services_page = parent_client.get("/Clairoix/reservations/").content.decode()
    assert "Restaurant scolaire" in services_page
    menu = parent_client.get("/Clairoix/reservations/cant/").content.decode()
    for button in ("Réservation", "Consultation compte", "Consultation factures"):
        assert button in menu


def test_the_grid_has_child_meal_and_month_tabs_with_labelled_days(parent_client, canteen):
    page = parent_client.get(PLANNING).content.decode()
    expected = [
        "Maxime", "Léa", "Repas exceptionnels", "Tous les lundis", "Tous les jours",
        "Comme pour Léa", "Finaliser la commande", "modifiable jusqu&#x27;au",
    ]  # fmt: skip
    for words in expected:
        assert words in page, words
    assert "Tous les mercredis" not in page  # nobody eats on Wednesdays here
    # Each checkbox has its label and points at its state text.
    for checkbox in re.findall(r"<input type=\"checkbox\"[^>]*>", page)[:10]:
        box_id = re.search(r'id="([^"]+)"', checkbox).group(1)
        assert f'<label for="{box_id}">' in page
        assert f'aria-describedby="{box_id}-etat"' in checkbox


def test_shortcut_works_without_javascript_and_tout_decocher_unticks(parent_client, canteen):
    planning = grid(parent_client)
    maxime = planning.children[0]
    month = maxime.kinds[0].months[0]
    value = f"{maxime.child.pk}-{maxime.kinds[0].meal_kind.pk}-{month.month:%Y%m}-0"
    response = parent_client.post(PLANNING, {"shortcut": value})
    mondays = [
        c
        for c in response.context["planning"].children[0].kinds[0].months[0].cells
        if c.weekday == 0
    ]
    assert mondays and all(c.checked for c in mondays if not c.disabled)
    again = {c.key: "on" for c in mondays if c.checked}
    response = parent_client.post(PLANNING, {**again, "shortcut": value[:-2] + "-none"})
    assert not any(
        c.checked for c in response.context["planning"].children[0].kinds[0].months[0].cells
    )
    assert not Reservation.objects.exists()


def test_finalize_recap_and_valider_when_credit_covers_it(parent_client, canteen, blanchard):
    ledger_services.record_payment(
        household=blanchard.household,
        service_code="cant",
        amount=Decimal("10.00"),
        mode="cash",
        recorded_by=blanchard.user,
        idempotency_key="prepaid",
    )
    cells = first_free_cells(parent_client, "Maxime", 2)
    response = parent_client.post(PLANNING, {**{c.key: "on" for c in cells}, "finalize": "1"})
    assert response["Location"] == RECAP
    recap = parent_client.get(RECAP).content.decode()
    expected = [
        "Récapitulatif réservations", "Solde initial", "10,00", "Repas commandés", "9,40",
        "Nouveau solde", "0,60", "Valider", "Modifier",
        "aucune réservation ni annulation n'est prise en compte",
    ]  # fmt: skip
    for words in expected:
        assert words in recap, words
    assert not Reservation.objects.exists()

    done = parent_client.post("/Clairoix/reservations/cant/valider/", follow=True)
    assert "Vos réservations et annulations sont enregistrées" in done.content.decode()
    assert Reservation.objects.filter(status="confirmed").count() == 2
    assert OutboxEmail.objects.filter(template="booking/order_confirmation").count() == 1
    page = done.content.decode()
    assert page.count('<td class="day reserved') == 2  # shown as reserved (orange) with text
    assert parent_client.post("/Clairoix/reservations/cant/valider/").status_code == 302
    assert Reservation.objects.filter(status="confirmed").count() == 2


def test_recap_asks_for_payment_when_the_balance_does_not_cover(parent_client, canteen):
    cells = first_free_cells(parent_client, "Léa", 1)
    parent_client.post(PLANNING, {cells[0].key: "on", "finalize": "1"})
    recap = parent_client.get(RECAP).content.decode()
    assert "Somme à payer" in recap and "4,70" in recap
    assert ">Valider<" not in recap
    response = parent_client.post("/Clairoix/reservations/cant/valider/", follow=True)
    assert "doit être payée" in response.content.decode()
    assert not Reservation.objects.exists()


def test_modifier_goes_back_to_the_grid_with_the_draft(parent_client, canteen):
    cells = first_free_cells(parent_client, "Maxime", 3)
    parent_client.post(PLANNING, {**{c.key: "on" for c in cells}, "finalize": "1"})
    back = parent_client.get(PLANNING + "?modifier=1").context["planning"]
    checked = [c.key for _, _, m in back.cells() for c in m.cells if c.checked]
    assert sorted(checked) == sorted(c.key for c in cells)


def test_refused_lines_are_shown_per_day_and_nothing_is_stored(parent_client, canteen, dupont):
    other_child = dupont.household.children.get()
    bad = selectors.cell_key(other_child.pk, canteen.meal.pk, canteen.months[0])
    response = parent_client.post(PLANNING, {bad: "on", "finalize": "1"})
    assert response.status_code == 400
    assert "enfant inconnu de votre foyer" in response.content.decode()
    assert not Order.objects.exists()


def test_another_households_draft_is_out_of_reach(client, canteen, blanchard, dupont):
    client.post("/Clairoix/", {"username": dupont.user.email, "password": PASSWORD})
    assert client.get(RECAP).status_code == 404  # no draft of theirs; ids are not in URLs
    page = client.get(PLANNING).content.decode()
    assert "Maxime" not in page and "Léa" not in page


def test_kitchen_list_and_csv_for_staff(client, canteen, blanchard):
    from booking import services

    planning = selectors.planning_for(blanchard.household, canteen.service)
    maxime = next(t for t in planning.children if t.child.first_name == "Maxime")
    cells = {c.day: c for c in maxime.kinds[0].months[0].cells if not c.disabled}
    day = min(cells)
    order = services.draft_order(
        household=blanchard.household,
        service=canteen.service,
        wanted_keys={cells[day].key},
        created_by=blanchard.user,
    )
    services.validate_order(order=order, household=blanchard.household, allow_debit=True)
    assert client.get("/Clairoix/gestion/cuisine/").status_code == 302  # staff only
    roles.give_role(UserFactory(email="cuisine@clairoix.test", is_staff=True), roles.AGENT)
    client.post(
        "/Clairoix/admin/login/", {"username": "cuisine@clairoix.test", "password": PASSWORD}
    )
    page = client.get(f"/Clairoix/gestion/cuisine/?jour={day:%Y-%m-%d}").content.decode()
    assert "Restaurant scolaire de Clairoix — Repas : 1 repas" in page and "Maxime" in page
    csv = client.get(f"/Clairoix/gestion/cuisine/?jour={day:%Y-%m-%d}&format=csv").content.decode(
        "utf-8-sig"
    )
    assert (
        csv.splitlines()[1]
        == f"{day:%d/%m/%Y};Restaurant scolaire de Clairoix;Repas;BLANCHARD;Maxime;CE2;Élémentaire"
    )


def test_an_agent_books_for_a_family_past_the_deadline_with_a_reason(client, canteen, blanchard):
    from booking.models import DeadlineRule

    DeadlineRule.objects.filter(service=canteen.service).update(days_before=200)  # all past
    agent = UserFactory(
        email="agent@clairoix.test", is_staff=True, last_name="MAIRIE", first_name="Agent"
    )
    roles.give_role(agent, roles.AGENT)
    client.post("/Clairoix/admin/login/", {"username": "agent@clairoix.test", "password": PASSWORD})
    url = f"/Clairoix/gestion/foyers/{blanchard.household_id}/cant/"
    cell = client.get(url).context["planning"].children[0].kinds[0].months[0].cells[0]
    assert cell.disabled
    refused = client.post(url, {cell.key: "on", "override": "1", "finalize": "1"})
    assert "motif" in refused.content.decode()
    done = client.post(
        url,
        {cell.key: "on", "override": "1", "reason": "Oubli signalé par téléphone", "finalize": "1"},
    )
    assert done.status_code == 302
    order = Order.objects.get()
    assert order.created_by.email == "agent@clairoix.test"
    assert order.on_behalf_reason == "Oubli signalé par téléphone" and order.overrides_deadlines
    assert Reservation.objects.filter(status="confirmed").count() == 1
