import datetime
from decimal import Decimal

import pytest

from booking import selectors, services
from booking.models import Order, Reservation, SiteDay
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from notifications.models import OutboxEmail
from tests.booking.factories import SiteDayFactory, enrol, paris
from tests.ledger.factories import payment

NOW = paris(2026, 12, 15, 9, 0)  # before the January 2027 deadlines
JAN = [datetime.date(2027, 1, d) for d in (4, 5, 7, 8, 11)]  # Mon Tue Thu Fri Mon


def key(child, kind, day):
    return selectors.cell_key(child.pk, kind.pk, day)


def draft(household, canteen, keys, user, now=NOW):
    return services.draft_order(
        household=household, service=canteen.service, wanted_keys=keys, created_by=user, now=now
    )


def reserved_days(child, status=Reservation.Status.CONFIRMED):
    return sorted(
        Reservation.objects.filter(child=child, status=status).values_list("day", flat=True)
    )


def book_and_pay(blanchard, canteen, days):
    """Reserve days then settle the account, so the next recap starts from 0,00 €."""
    order = draft(
        blanchard.household,
        canteen,
        {key(canteen.maxime, canteen.meal, d) for d in days},
        blanchard.user,
    )
    services.validate_order(order=order, household=blanchard.household, now=NOW, allow_debit=True)
    ledger_services.record_payment(
        household=blanchard.household,
        service_code="cant",
        amount=Decimal("4.70") * len(days),
        mode="card",
        recorded_by=blanchard.user,
        idempotency_key=f"test-payment-{order.pk}",
    )
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("0.00")


def test_each_child_sees_only_the_days_of_its_planning(canteen_2027, blanchard):
    planning = selectors.planning_for(blanchard.household, canteen_2027.service, now=NOW)
    tabs = {tab.child.first_name: tab for tab in planning.children}
    maxime_january = tabs["Maxime"].kinds[0].months[0]
    lea_january = tabs["Léa"].kinds[0].months[0]
    assert {c.day.weekday() for c in maxime_january.cells} == {0, 1, 3, 4}
    assert {c.day.weekday() for c in lea_january.cells} == {0, 1, 3}
    assert len(maxime_january.cells) == 16 and len(lea_january.cells) == 12
    assert [m.label for m in tabs["Maxime"].kinds[0].months] == [
        "janvier 2027",
        "février 2027",
        "mars 2027",
    ]


def test_a_day_past_its_deadline_is_disabled_with_the_exact_cutoff(canteen_2027, blanchard):
    # Monday 4 January: Friday 1st is a holiday, so J-2 ouvrés is Wednesday 30/12.
    at_cutoff = paris(2026, 12, 30, 10, 0)
    planning = selectors.planning_for(blanchard.household, canteen_2027.service, now=at_cutoff)
    cells = {c.day: c for c in planning.children[0].kinds[0].months[0].cells}
    assert cells[JAN[0]].disabled and cells[JAN[0]].reason == "délai dépassé"
    assert cells[JAN[0]].deadline_text == "modifiable jusqu'au mercredi 30/12 à 10:00"
    assert not cells[JAN[1]].disabled  # Tuesday 5: until Thursday 31/12 at 10:00
    one_minute_before = paris(2026, 12, 30, 9, 59)
    planning = selectors.planning_for(
        blanchard.household, canteen_2027.service, now=one_minute_before
    )
    assert not planning.children[0].kinds[0].months[0].cells[0].disabled


def test_a_full_day_is_disabled_but_stays_cancellable_for_who_holds_it(
    canteen_2027, blanchard, dupont
):
    canteen_2027.site.default_capacity = 1
    canteen_2027.site.save()
    order = draft(
        blanchard.household,
        canteen_2027,
        {key(canteen_2027.maxime, canteen_2027.meal, JAN[0])},
        blanchard.user,
    )
    services.validate_order(order=order, household=blanchard.household, now=NOW, allow_debit=True)
    planning = selectors.planning_for(blanchard.household, canteen_2027.service, now=NOW)
    tabs = {tab.child.first_name: tab for tab in planning.children}
    maxime_cell = tabs["Maxime"].kinds[0].months[0].cells[0]
    lea_cell = tabs["Léa"].kinds[0].months[0].cells[0]
    assert (maxime_cell.checked, maxime_cell.disabled, maxime_cell.state) == (
        True,
        False,
        "reserved",
    )
    assert (lea_cell.disabled, lea_cell.reason) == (True, "complet")


def test_finalizing_builds_a_draft_and_applies_nothing(canteen_2027, blanchard):
    keys = {key(canteen_2027.maxime, canteen_2027.meal, d) for d in JAN}
    order = draft(blanchard.household, canteen_2027, keys, blanchard.user)
    assert order.status == Order.Status.DRAFT
    assert order.lines.count() == 5
    assert not Reservation.objects.exists()
    assert order.expires_at == NOW + datetime.timedelta(minutes=30)


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("wednesday", "n'est pas au planning"),
        ("other_household", "enfant inconnu de votre foyer"),
        ("past", "délai de réservation dépassé"),
        ("full", "plus de place disponible"),
        ("made_up_kind", "type de repas inconnu"),
        ("garbage", "enfant inconnu de votre foyer"),
        ("outside_open_months", "n'est pas au planning"),
    ],
)
def test_tampered_posts_are_refused_and_change_nothing(
    canteen_2027, blanchard, dupont, tamper, message
):
    c = canteen_2027
    if tamper == "full":
        SiteDayFactory(site=c.site, day=JAN[1], capacity=0)
    bad = {
        "wednesday": key(c.maxime, c.meal, datetime.date(2027, 1, 6)),
        "other_household": selectors.cell_key(
            dupont.household.children.get().pk, c.meal.pk, JAN[1]
        ),
        "past": key(c.maxime, c.meal, JAN[1]),
        "full": key(c.maxime, c.meal, JAN[1]),
        "made_up_kind": selectors.cell_key(c.maxime.pk, 999999, JAN[1]),
        "garbage": "r-x-y-z",
        "outside_open_months": key(c.maxime, c.meal, datetime.date(2027, 4, 5)),
    }[tamper]
    now = paris(2027, 1, 4, 12, 0) if tamper == "past" else NOW
    with pytest.raises(services.OrderRefused) as refusal:
        draft(
            blanchard.household,
            c,
            {bad, key(c.lea, c.meal, datetime.date(2027, 1, 14))},
            blanchard.user,
            now,
        )
    assert message in str(refusal.value)
    assert not Order.objects.exists() and not Reservation.objects.exists()


def test_recap_of_the_manuals_first_example(canteen_2027, blanchard):
    """1 cancelled + 5 ordered at 4,70 € from a zero balance → Somme à payer 18,80 €."""
    c = canteen_2027
    book_and_pay(blanchard, c, [JAN[0]])
    wanted = {
        key(c.maxime, c.meal, d)
        for d in [
            datetime.date(2027, 1, 12),
            *JAN[1:3],
            datetime.date(2027, 1, 14),
            datetime.date(2027, 1, 15),
        ]
    }
    recap = selectors.order_recap(draft(blanchard.household, c, wanted, blanchard.user))
    assert recap.opening_balance == Decimal("0.00")
    cancelled, ordered = recap.rows
    assert (cancelled.action, cancelled.quantity, cancelled.amount) == (
        "cancel",
        1,
        Decimal("4.70"),
    )
    assert (ordered.action, ordered.quantity, ordered.unit_price, ordered.amount) == (
        "add",
        5,
        Decimal("4.70"),
        Decimal("23.50"),
    )
    assert recap.needs_payment and recap.amount_to_pay == Decimal("18.80")


def test_recap_of_the_manuals_second_example_and_its_validation(canteen_2027, blanchard):
    """1 cancelled, 0 ordered → Nouveau solde 4,70 € in credit; "Valider" applies it."""
    c = canteen_2027
    book_and_pay(blanchard, c, [JAN[0]])
    order = draft(blanchard.household, c, set(), blanchard.user)
    recap = selectors.order_recap(order)
    assert not recap.needs_payment
    assert recap.closing_balance == Decimal("4.70")

    services.validate_order(order=order, household=blanchard.household, now=NOW)
    assert reserved_days(c.maxime) == []
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("4.70")


def test_validation_applies_once_issues_documents_and_emails_the_family(canteen_2027, blanchard):
    c = canteen_2027
    ledger_services.record_payment(
        household=blanchard.household,
        service_code="cant",
        amount=Decimal("20.00"),
        mode="cash",
        recorded_by=blanchard.user,
        idempotency_key="prepaid",
    )
    order = draft(
        blanchard.household,
        c,
        {key(c.maxime, c.meal, d) for d in JAN[:2]} | {key(c.lea, c.meal, JAN[0])},
        blanchard.user,
    )
    services.validate_order(order=order, household=blanchard.household, now=NOW)
    services.validate_order(order=order, household=blanchard.household, now=NOW)  # double click

    assert reserved_days(c.maxime) == JAN[:2] and reserved_days(c.lea) == [JAN[0]]
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("20.00") - Decimal(
        "14.10"
    )
    order.refresh_from_db()
    assert order.status == Order.Status.VALIDATED
    email = OutboxEmail.objects.get(template="booking/order_confirmation")
    assert email.to_email == "bertrand.blanchard@example.org"
    assert "BLANCHARD Maxime" in email.body_text and "lundi 04/01/2027" in email.body_text
    assert "BLANCHARD Léa" in email.body_text


def test_an_order_that_needs_payment_cannot_be_validated_without_it(canteen_2027, blanchard):
    c = canteen_2027
    order = draft(blanchard.household, c, {key(c.maxime, c.meal, JAN[0])}, blanchard.user)
    with pytest.raises(services.PaymentRequired):
        services.validate_order(order=order, household=blanchard.household, now=NOW)
    assert not Reservation.objects.exists()


def test_a_place_taken_while_on_the_recap_refuses_the_whole_order_naming_the_day(
    canteen_2027, blanchard, dupont
):
    c = canteen_2027
    c.site.default_capacity = 1
    c.site.save()
    zoe = dupont.household.children.get()
    enrol(c, zoe, "Élémentaire")
    mine = draft(
        blanchard.household, c, {key(c.maxime, c.meal, d) for d in JAN[:2]}, blanchard.user
    )
    theirs = draft(
        dupont.household, c, {selectors.cell_key(zoe.pk, c.meal.pk, JAN[1])}, dupont.user
    )
    services.validate_order(order=theirs, household=dupont.household, now=NOW, allow_debit=True)

    with pytest.raises(services.OrderRefused) as refusal:
        services.validate_order(
            order=mine, household=blanchard.household, now=NOW, allow_debit=True
        )
    assert "05/01/2027 : plus de place disponible" in str(refusal.value)
    assert reserved_days(c.maxime) == []  # not even the 4th: all or nothing


def test_a_deadline_passed_while_on_the_recap_refuses_the_order(canteen_2027, blanchard):
    c = canteen_2027
    order = draft(
        blanchard.household,
        c,
        {key(c.maxime, c.meal, JAN[0])},
        blanchard.user,
        now=paris(2026, 12, 30, 9, 50),
    )
    with pytest.raises(services.OrderRefused) as refusal:
        services.validate_order(
            order=order,
            household=blanchard.household,
            now=paris(2026, 12, 30, 10, 0),
            allow_debit=True,
        )
    assert "délai de réservation dépassé" in str(refusal.value)


def test_held_places_count_until_released(canteen_2027, blanchard, dupont):
    c = canteen_2027
    c.site.default_capacity = 1
    c.site.save()
    order = draft(blanchard.household, c, {key(c.maxime, c.meal, JAN[0])}, blanchard.user)
    services.hold_order(order=order, household=blanchard.household, now=NOW)
    assert reserved_days(c.maxime, Reservation.Status.HELD) == [JAN[0]]
    zoe = dupont.household.children.get()
    enrol(c, zoe, "Élémentaire")
    with pytest.raises(services.OrderRefused):
        draft(dupont.household, c, {selectors.cell_key(zoe.pk, c.meal.pk, JAN[0])}, dupont.user)

    assert services.expire_holds(now=NOW + datetime.timedelta(minutes=21)) == 1
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert reserved_days(c.maxime, Reservation.Status.HELD) == []
    draft(dupont.household, c, {selectors.cell_key(zoe.pk, c.meal.pk, JAN[0])}, dupont.user)


def test_confirming_a_held_order_books_it_once(canteen_2027, blanchard):
    c = canteen_2027
    order = draft(blanchard.household, c, {key(c.maxime, c.meal, JAN[0])}, blanchard.user)
    services.hold_order(order=order, household=blanchard.household, now=NOW)
    services.confirm_held_order(order=order, now=NOW)
    services.confirm_held_order(order=order, now=NOW)
    assert reserved_days(c.maxime) == [JAN[0]]
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("-4.70")


def test_planning_query_count_does_not_grow_with_children_and_months(
    canteen_2027, blanchard, django_assert_max_num_queries
):
    from booking.models import Enrolment
    from tests.portal.factories import ChildFactory

    c = canteen_2027
    Enrolment.objects.filter(child=c.lea).delete()
    # The service's rules in one statement (booking/selectors/one_query.py); the enrolments,
    # the reservations, the places taken and the household's waiting requests in one round
    # trip (tenants.compiled.fetch_together).
    with django_assert_max_num_queries(2) as one_child:
        selectors.planning_for(blanchard.household, c.service, now=NOW)
    enrol(c, c.lea, "Maternelle")
    third = ChildFactory(household=blanchard.household, first_name="Tom")
    enrol(c, third, "Élémentaire")
    order = draft(blanchard.household, c, {key(c.maxime, c.meal, d) for d in JAN}, blanchard.user)
    services.validate_order(order=order, household=blanchard.household, now=NOW, allow_debit=True)
    with django_assert_max_num_queries(len(one_child.captured_queries)) as three_children:
        planning = selectors.planning_for(blanchard.household, c.service, now=NOW)
    assert len(planning.children) == 3 and len(planning.children[0].kinds[0].months) == 3
    assert len(three_children.captured_queries) == len(one_child.captured_queries)


def test_a_payment_confirmed_after_the_hold_expired_books_what_still_has_room(
    canteen_2027, blanchard, dupont
):
    c = canteen_2027
    c.site.default_capacity = 1
    c.site.save()
    order = draft(
        blanchard.household, c, {key(c.maxime, c.meal, d) for d in JAN[:2]}, blanchard.user
    )
    services.hold_order(order=order, household=blanchard.household, now=NOW)
    services.expire_holds(now=NOW + datetime.timedelta(minutes=21))
    zoe = dupont.household.children.get()
    enrol(c, zoe, "Élémentaire")
    theirs = draft(
        dupont.household, c, {selectors.cell_key(zoe.pk, c.meal.pk, JAN[1])}, dupont.user
    )
    services.validate_order(order=theirs, household=dupont.household, now=NOW, allow_debit=True)

    payment(blanchard, "9.40")  # by card, after the hold was released
    confirmation = services.confirm_held_order(order=order, now=NOW + datetime.timedelta(hours=1))
    assert confirmation.late
    assert [line.day for line in confirmation.dropped] == [JAN[1]]
    assert reserved_days(c.maxime) == [JAN[0]]
    # Paid 9,40 €, invoiced 4,70 €: the day without room is credit, nothing lost.
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("4.70")


def test_a_full_day_is_refused_alike_under_the_lock_and_by_a_late_payment(canteen_2027, blanchard):
    """One capacity check (ServiceRules.has_room): the re-check before validating or holding
    and a payment landing after its hold was released refuse the same full day."""
    c = canteen_2027
    wanted = {key(c.maxime, c.meal, d) for d in JAN[:2]}
    to_validate = draft(blanchard.household, c, wanted, blanchard.user)
    to_pay = draft(blanchard.household, c, wanted, blanchard.user)
    services.hold_order(order=to_pay, household=blanchard.household, now=NOW)
    services.release_hold(order=to_pay, status=Order.Status.EXPIRED)
    SiteDay.objects.update_or_create(site=c.site, day=JAN[1], defaults={"capacity": 0})

    with pytest.raises(services.OrderRefused, match="05/01/2027 : plus de place disponible"):
        services.validate_order(
            order=to_validate, household=blanchard.household, now=NOW, allow_debit=True
        )
    payment(blanchard, "9.40")  # by card, after the hold was released
    confirmation = services.confirm_held_order(order=to_pay, now=NOW + datetime.timedelta(hours=1))
    assert [line.day for line in confirmation.dropped] == [JAN[1]]
    assert reserved_days(c.maxime) == [JAN[0]]
