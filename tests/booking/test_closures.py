"""Issue 10, item 5: closing a day that has reservations cancels and credits them."""

import datetime
from decimal import Decimal

import pytest

from booking import closures, selectors, services
from booking.models import Closure, Order, OrderLine, Reservation
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import CreditNote, Document, Line
from notifications.models import OutboxEmail
from tests.booking.factories import enrol, paris
from tests.factories import PASSWORD, UserFactory

NOW = paris(2026, 12, 15, 9, 0)
MON, TUE, THU = datetime.date(2027, 1, 4), datetime.date(2027, 1, 5), datetime.date(2027, 1, 7)


def key(child, kind, day):
    return selectors.cell_key(child.pk, kind.pk, day)


@pytest.fixture
def agent(in_clairoix):
    return UserFactory(
        email="agent@clairoix.test",
        is_staff=True,
        is_superuser=True,
        first_name="Agnès",
        last_name="Mairie",
    )


def book_and_pay(guardian, canteen, keys):
    order = services.draft_order(
        household=guardian.household,
        service=canteen.service,
        wanted_keys=keys,
        created_by=guardian.user,
        now=NOW,
    )
    services.validate_order(order=order, household=guardian.household, now=NOW, allow_debit=True)
    ledger_services.record_payment(
        household=guardian.household,
        service_code="cant",
        amount=-ledger_selectors.balance(guardian.household, "cant"),
        mode="card",
        recorded_by=guardian.user,
        idempotency_key=f"test-payment-{order.pk}",
    )
    return order


def cell(planning, child, day, kind_index=0):
    tab = next(tab for tab in planning.children if tab.child == child)
    month = next(m for m in tab.kinds[kind_index].months if m.month == day.replace(day=1))
    return next((c for c in month.cells if c.day == day), None)


@pytest.fixture
def paid_monday(canteen_2027, blanchard):
    """Maxime and Léa booked and paid on Monday 4 January, Maxime on Tuesday too."""
    c = canteen_2027
    book_and_pay(
        blanchard,
        c,
        {key(c.maxime, c.meal, MON), key(c.lea, c.meal, MON), key(c.maxime, c.meal, TUE)},
    )
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("0.00")
    return c


def test_the_preview_says_what_a_closure_cancels_and_changes_nothing(
    paid_monday, blanchard, dupont
):
    preview = closures.preview_closure(service=paid_monday.service, day=MON)
    assert (preview.reservations, preview.held, preview.families) == (2, 0, 1)
    assert preview.euros == Decimal("9.40") and preview.euros_display == "9,40\xa0€"
    assert preview.days == [MON]
    assert not Closure.objects.exists()
    assert Reservation.objects.filter(status=Reservation.Status.CONFIRMED).count() == 3


def test_closing_a_day_cancels_credits_and_tells_each_family_once(paid_monday, blanchard, agent):
    c = paid_monday
    result = closures.close_day(
        service=c.service, day=MON, reason="grève", closed_by=agent, now=NOW
    )
    assert (result.reservations, result.families, result.euros) == (2, 1, Decimal("9.40"))

    # Nothing left booked that day, so nothing on the kitchen list; Tuesday is untouched.
    assert not Reservation.objects.filter(day=MON, status__in=selectors.ACTIVE).exists()
    assert selectors.kitchen_list(MON) == {}
    assert Reservation.objects.get(day=TUE).status == Reservation.Status.CONFIRMED

    # One credit note for the household and service, crediting the invoice lines.
    credit_note = CreditNote.objects.get()
    assert credit_note.total == Decimal("9.40") and credit_note.reason == "fermeture : grève"
    assert credit_note.author == agent
    invoice_lines = set(
        Line.objects.filter(document__kind="FA", day=MON).values_list("pk", flat=True)
    )
    assert set(credit_note.lines.values_list("credits_id", flat=True)) == invoice_lines
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("9.40")

    # Who closed it, and what it did, are on the closure.
    closure = Closure.objects.get()
    assert (closure.closed_by, closure.reason, closure.cancelled_reservations) == (
        agent,
        "grève",
        2,
    )
    assert closure.credited_amount == Decimal("9.40")

    # One e-mail for the family: the day, the meals and the credit.
    email = OutboxEmail.objects.get(template="booking/closure_notice")
    assert email.to_email == blanchard.user.email
    assert "grève" in email.body_text and "lundi 04/01/2027" in email.body_text
    assert credit_note.number in email.body_text and "9,40\xa0€" in email.body_text
    assert "Maxime" in email.body_text and "Léa" in email.body_text


def test_the_grid_shows_the_closed_day_and_a_later_order_cancels_nothing(
    paid_monday, blanchard, agent
):
    c = paid_monday
    closures.close_day(service=c.service, day=MON, reason="grève", closed_by=agent, now=NOW)
    planning = selectors.planning_for(blanchard.household, c.service, now=NOW)
    closed = cell(planning, c.maxime, MON)
    assert (closed.state, closed.reason, closed.disabled, closed.checked) == (
        "closed",
        "fermé : grève",
        True,
        False,
    )
    assert cell(planning, c.lea, MON).reason == "fermé : grève"

    # The parent keeps Tuesday and adds Thursday: no phantom "Repas annulés" for Monday.
    wanted = {key(c.maxime, c.meal, TUE), key(c.maxime, c.meal, THU)}
    order = services.draft_order(
        household=blanchard.household,
        service=c.service,
        wanted_keys=wanted,
        created_by=blanchard.user,
        now=NOW,
    )
    actions = list(order.lines.values_list("action", "day"))
    assert actions == [(OrderLine.Action.ADD, THU)]
    recap = selectors.order_recap(order)
    assert recap.total_credit == Decimal("0.00")

    # Booking the closed day by a forged post is refused, saying why.
    with pytest.raises(services.OrderRefused, match="service fermé ce jour"):
        services.draft_order(
            household=blanchard.household,
            service=c.service,
            wanted_keys=wanted | {key(c.maxime, c.meal, MON)},
            created_by=blanchard.user,
            now=NOW,
        )


def test_reopening_the_day_rebooks_nothing(paid_monday, blanchard, agent):
    c = paid_monday
    closures.close_day(service=c.service, day=MON, reason="grève", closed_by=agent, now=NOW)
    Closure.objects.get().delete()
    assert not Reservation.objects.filter(day=MON, status__in=selectors.ACTIVE).exists()
    monday = cell(selectors.planning_for(blanchard.household, c.service, now=NOW), c.maxime, MON)
    assert (monday.state, monday.checked, monday.disabled) == ("free", False, False)
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("9.40")
    assert CreditNote.objects.count() == 1


def test_a_held_order_paid_after_the_closure_does_not_book_the_closed_day(
    canteen_2027, blanchard, agent
):
    c = canteen_2027
    order = services.draft_order(
        household=blanchard.household,
        service=c.service,
        wanted_keys={key(c.maxime, c.meal, MON), key(c.maxime, c.meal, TUE)},
        created_by=blanchard.user,
        now=NOW,
    )
    services.hold_order(order=order, household=blanchard.household, now=NOW)
    preview = closures.preview_closure(service=c.service, day=MON)
    assert (preview.reservations, preview.held, preview.families) == (0, 1, 1)

    result = closures.close_day(service=c.service, day=MON, reason="cuisine", closed_by=agent)
    assert (result.reservations, result.held, result.euros) == (0, 1, Decimal("0.00"))
    assert not CreditNote.objects.exists()  # nothing was paid for the held meal yet
    assert "en attente de paiement" in OutboxEmail.objects.get().body_text

    # The Treasury page is paid afterwards: Tuesday is booked, Monday's 4,70 € is credit.
    paid_late_monday_stays_credit(blanchard, order, c.maxime)


def paid_late_monday_stays_credit(guardian, order, child):
    """The held order (Monday and Tuesday, 9,40 €) is paid by card after Monday closed:
    Tuesday is booked and invoiced, Monday's 4,70 € stays as credit."""
    ledger_services.record_payment(
        household=guardian.household,
        service_code="cant",
        amount=Decimal("9.40"),
        mode="card",
        recorded_by=guardian.user,
        idempotency_key="late-card",
    )
    confirmation = services.confirm_held_order(order=order)
    assert [line.day for line in confirmation.dropped] == [MON]
    assert list(
        Reservation.objects.filter(child=child, status=Reservation.Status.CONFIRMED).values_list(
            "day", flat=True
        )
    ) == [TUE]
    assert Document.objects.get(kind="FA").total == Decimal("4.70")
    assert ledger_selectors.balance(guardian.household, "cant") == Decimal("4.70")
    assert Order.objects.get(pk=order.pk).status == Order.Status.VALIDATED


def test_a_range_of_days_gives_one_credit_note_per_household(
    canteen_2027, blanchard, dupont, agent
):
    c = canteen_2027
    zoe = dupont.household.children.get()
    enrol(c, zoe, "Maternelle")
    book_and_pay(blanchard, c, {key(c.maxime, c.meal, MON), key(c.maxime, c.meal, THU)})
    book_and_pay(dupont, c, {key(zoe, c.meal, TUE)})

    preview = closures.preview_closure(service=c.service, day=MON, last_day=THU)
    assert (preview.reservations, preview.families, preview.euros) == (3, 2, Decimal("14.10"))
    assert len(preview.days) == 4  # Monday to Thursday, Wednesday included as a closure

    closures.close_day(service=c.service, day=MON, last_day=THU, reason="travaux", closed_by=agent)
    totals = dict(
        CreditNote.objects.values_list("account__household__name", "total").order_by("pk")
    )
    assert totals == {"BLANCHARD": Decimal("9.40"), "DUPONT": Decimal("4.70")}
    assert Closure.objects.count() == 4
    assert OutboxEmail.objects.filter(template="booking/closure_notice").count() == 2


def test_a_closure_is_refused_without_reason_or_when_already_closed(paid_monday, agent):
    c = paid_monday
    with pytest.raises(closures.ClosureRefused, match="motif"):
        closures.close_day(service=c.service, day=MON, reason="  ", closed_by=agent)
    assert not Closure.objects.exists()
    closures.close_day(service=c.service, day=MON, reason="grève", closed_by=agent)
    with pytest.raises(closures.ClosureRefused, match="déjà fermés"):
        closures.close_day(service=c.service, day=MON, reason="grève", closed_by=agent)
    assert CreditNote.objects.count() == 1


def test_the_back_office_shows_the_preview_before_closing(client, paid_monday, agent):
    client.post("/Clairoix/admin/login/", {"username": agent.email, "password": PASSWORD})
    url = "/Clairoix/admin/booking/closure/add/"
    data = {"service": paid_monday.service.pk, "day": "04/01/2027", "reason": "grève"}
    preview = client.post(url, data)
    page = preview.content.decode()
    assert preview.status_code == 200
    assert 'id="preview-reservations">2<' in page and 'id="preview-families">1<' in page
    assert "9,40\xa0€" in page and "Confirmer la fermeture" in page
    assert not Closure.objects.exists()

    # Confirming another day than the one previewed shows that day's preview first.
    other = client.post(url, {**data, "day": "05/01/2027", "confirm": "1", "previewed": "x"})
    assert other.status_code == 200 and not Closure.objects.exists()

    done = client.post(url, {**data, "confirm": "1", "previewed": preview.context["previewed"]})
    assert done.status_code == 302
    closure = Closure.objects.get()
    assert (closure.day, closure.closed_by) == (MON, agent)
    assert CreditNote.objects.get().total == Decimal("9.40")
    listing = client.get("/Clairoix/admin/booking/closure/").content.decode()
    assert "9,40\xa0€" in listing
