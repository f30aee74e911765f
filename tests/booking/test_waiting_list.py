"""The waiting list: join and leave a full day, the rank on the grid, the promotion of the
first family when a place frees (in the cancellation's transaction), the prepaid hold and
its expiry, closures."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from booking import selectors, services
from booking.models import Enrolment, Reservation, WaitingRequest
from notifications.models import OutboxEmail
from tests.booking.factories import SiteDayFactory, SiteFactory, enrol, paris
from tests.factories import UserFactory
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

NOW = paris(2026, 12, 15, 9, 0)  # before the January 2027 deadlines
DAY = datetime.date(2027, 1, 4)  # Monday; booking cut-off Wednesday 30/12 10:00


def family(canteen, name):
    guardian = GuardianFactory(
        household=HouseholdFactory(name=name.upper()),
        user=UserFactory(email=f"{name.lower()}@example.org"),
    )
    child = ChildFactory(household=guardian.household, first_name=f"Enfant{name}")
    enrol(canteen, child)
    return guardian, child


def key(child, canteen, day=DAY):
    return selectors.cell_key(child.pk, canteen.meal.pk, day)


def book(guardian, keys, canteen, now=NOW):
    order = services.draft_order(
        household=guardian.household,
        service=canteen.service,
        wanted_keys=keys,
        created_by=guardian.user,
        now=now,
    )
    return services.validate_order(
        order=order, household=guardian.household, now=now, allow_debit=True
    )


def join(guardian, child, canteen, now=NOW):
    return services.join_waiting_list(
        household=guardian.household, service=canteen.service, key=key(child, canteen), now=now
    )


def cell_of(guardian, child, canteen, day=DAY, now=NOW):
    planning = selectors.planning_for(guardian.household, canteen.service, now=now)
    for tab in planning.children:
        if tab.child.pk == child.pk:
            for month in tab.kinds[0].months:
                for cell in month.cells:
                    if cell.day == day:
                        return cell
    raise AssertionError("no cell")


def waiting_emails(guardian):
    return OutboxEmail.objects.filter(
        to_email=guardian.user.email, template="booking/waiting_place"
    )


@pytest.fixture
def full_day(canteen_2027, blanchard):
    """One place on Monday 4 January, taken by Maxime BLANCHARD; two families want it."""
    SiteDayFactory(site=canteen_2027.site, day=DAY, capacity=1)
    book(blanchard, {key(canteen_2027.maxime, canteen_2027)}, canteen_2027)
    first = family(canteen_2027, "Premier")
    second = family(canteen_2027, "Second")
    return canteen_2027, first, second


def test_a_full_day_offers_the_list_then_shows_the_rank(full_day):
    canteen, (g1, c1), (g2, c2) = full_day
    cell = cell_of(g1, c1, canteen)
    assert cell.disabled and cell.reason == "complet" and cell.waiting == "join"
    join(g1, c1, canteen)
    join(g2, c2, canteen)
    assert cell_of(g1, c1, canteen).reason == "complet — liste d'attente (1re)"
    assert cell_of(g2, c2, canteen).reason == "complet — liste d'attente (2e)"
    assert cell_of(g2, c2, canteen).waiting == "in_line"


def test_leaving_the_list_moves_the_next_family_up(full_day):
    canteen, (g1, c1), (g2, c2) = full_day
    join(g1, c1, canteen)
    join(g2, c2, canteen)
    services.leave_waiting_list(
        household=g1.household, service=canteen.service, key=key(c1, canteen)
    )
    assert cell_of(g1, c1, canteen).waiting == "join"
    assert cell_of(g2, c2, canteen).reason == "complet — liste d'attente (1re)"
    with pytest.raises(ValidationError, match="pas sur la liste"):
        services.leave_waiting_list(
            household=g1.household, service=canteen.service, key=key(c1, canteen)
        )


def test_joining_is_refused_when_the_day_has_room_or_the_child_is_not_yours(
    canteen_2027, blanchard
):
    other, other_child = family(canteen_2027, "Autre")
    with pytest.raises(ValidationError, match="Il reste des places"):
        join(blanchard, canteen_2027.maxime, canteen_2027)
    with pytest.raises(ValidationError, match="Enfant inconnu"):
        join(blanchard, other_child, canteen_2027)
    for bad in ("", "r-x", "r-1-2-2027-13-45", "zzz"):
        with pytest.raises(ValidationError):
            services.join_waiting_list(
                household=blanchard.household, service=canteen_2027.service, key=bad, now=NOW
            )
    assert not WaitingRequest.objects.exists()


def test_joining_twice_is_refused(full_day):
    canteen, (g1, c1), _second = full_day
    join(g1, c1, canteen)
    with pytest.raises(ValidationError, match="déjà sur la liste"):
        join(g1, c1, canteen)
    assert WaitingRequest.objects.count() == 1


def test_a_cancellation_keeps_the_place_for_the_first_family_in_the_same_transaction(
    full_day, blanchard
):
    canteen, (g1, c1), (g2, c2) = full_day
    join(g1, c1, canteen)
    join(g2, c2, canteen)
    book(blanchard, set(), canteen)  # Maxime's meal cancelled

    first = WaitingRequest.objects.get(child=c1)
    assert first.status == WaitingRequest.Status.OFFERED
    assert first.offered_until == NOW + datetime.timedelta(hours=24)
    assert WaitingRequest.objects.get(child=c2).status == WaitingRequest.Status.WAITING
    email = waiting_emails(g1).get()
    assert "une place s'est libérée le lundi 04/01/2027" in email.subject
    assert f"/liste-attente/{first.pk}/" in email.body_text
    assert not waiting_emails(g2).exists()
    # The place is kept: the second family still sees the day full, the first may book it.
    assert cell_of(g2, c2, canteen).reason == "complet — liste d'attente (1re)"
    kept = cell_of(g1, c1, canteen)
    assert not kept.disabled and kept.waiting == "kept"
    assert "place gardée pour vous jusqu'au 16/12/2026 09:00" in kept.note
    with pytest.raises(services.OrderRefused, match="plus de place disponible"):
        book(g2, {key(c2, canteen)}, canteen)
    book(g1, {key(c1, canteen)}, canteen)
    assert WaitingRequest.objects.get(child=c1).status == WaitingRequest.Status.BOOKED
    assert Reservation.objects.filter(day=DAY, status="confirmed").count() == 1


def test_an_expired_hold_passes_to_the_next_family(full_day, blanchard):
    canteen, (g1, c1), (g2, c2) = full_day
    join(g1, c1, canteen)
    join(g2, c2, canteen)
    book(blanchard, set(), canteen)
    assert services.expire_waiting_offers(now=NOW + datetime.timedelta(hours=23)) == 0
    later = NOW + datetime.timedelta(hours=24)
    assert services.expire_waiting_offers(now=later) == 1
    assert services.expire_waiting_offers(now=later) == 0  # idempotent
    assert WaitingRequest.objects.get(child=c1).status == WaitingRequest.Status.EXPIRED
    second = WaitingRequest.objects.get(child=c2)
    assert second.status == WaitingRequest.Status.OFFERED
    assert second.offered_until == later + datetime.timedelta(hours=24)
    assert waiting_emails(g2).count() == 1
    with pytest.raises(services.OrderRefused, match="plus de place disponible"):
        book(g1, {key(c1, canteen)}, canteen, now=later)
    book(g2, {key(c2, canteen)}, canteen, now=later)


def test_the_hold_ends_at_the_booking_deadline(full_day, blanchard):
    canteen, (g1, c1), _second = full_day
    join(g1, c1, canteen)
    late = paris(2026, 12, 29, 18, 0)  # cut-off Wednesday 30/12 10:00, before 24 h
    book(blanchard, set(), canteen, now=late)
    assert WaitingRequest.objects.get(child=c1).offered_until == paris(2026, 12, 30, 10, 0)


def test_a_closure_of_another_site_frees_no_place(full_day):
    from booking import closures

    canteen, (g1, c1), _second = full_day
    join(g1, c1, canteen)
    other_site = SiteFactory(name="École du Bourg")
    g3, c3 = family(canteen, "Bourg")
    Enrolment.objects.filter(child=c3).update(site=other_site)
    book(g3, {key(c3, canteen)}, canteen)
    result = closures.close_day(
        service=canteen.service,
        day=DAY,
        sites=[other_site],
        reason="grève",
        closed_by=UserFactory(is_staff=True),
        now=NOW,
    )
    assert result.reservations == 1  # the other site's meal is cancelled...
    # ... and that is no place at the full site.
    assert WaitingRequest.objects.get(child=c1).status == WaitingRequest.Status.WAITING
    assert not waiting_emails(g1).exists()
    assert cell_of(g1, c1, canteen).reason == "complet — liste d'attente (1re)"


def test_closing_the_day_empties_its_list_with_an_email(full_day):
    from booking import closures

    canteen, (g1, c1), (g2, c2) = full_day
    join(g1, c1, canteen)
    join(g2, c2, canteen)
    closures.close_day(
        service=canteen.service,
        day=DAY,
        reason="grève",
        closed_by=UserFactory(is_staff=True),
        now=NOW,
    )
    assert set(WaitingRequest.objects.values_list("status", flat=True)) == {"closed"}
    assert "liste d'attente close" in waiting_emails(g1).get().subject
    assert waiting_emails(g2).count() == 1


def test_is_postpaid_reads_the_billing_mode_when_the_service_has_one(canteen_2027):
    assert not selectors.is_postpaid(canteen_2027.service)  # no billing_mode yet: prepaid
    canteen_2027.service.billing_mode = "monthly"
    assert selectors.is_postpaid(canteen_2027.service)


def test_a_promoted_post_paid_request_is_booked_once_by_its_task(full_day, blanchard):
    """The booking half of a post-paid promotion (the task run on commit): the family's
    lock, the meal booked at the frozen price, idempotent; a place no longer valid passes on."""
    canteen, (g1, c1), (g2, c2) = full_day
    join(g1, c1, canteen)
    book(blanchard, set(), canteen)  # the place freed: kept for the first family
    promoted = WaitingRequest.objects.get(child=c1)
    WaitingRequest.objects.filter(pk=promoted.pk).update(status=WaitingRequest.Status.PROMOTED)
    assert services.book_promoted(request_id=promoted.pk, now=NOW).status == "booked"
    assert services.book_promoted(request_id=promoted.pk, now=NOW) is None  # idempotent
    meal = Reservation.objects.get(child=c1, day=DAY)
    assert meal.status == "confirmed"
    assert meal.unit_price == selectors.service_rules(canteen.service).price(canteen.meal, DAY)
    assert meal.order.household_id == g1.household_id
    assert Reservation.objects.filter(day=DAY, status="confirmed").count() == 1


def test_post_paid_a_cancellation_promotes_the_first_family_and_its_task_books_at_its_qf(
    full_day, blanchard, django_capture_on_commit_callbacks
):
    """A post-paid service: the cancellation itself promotes the first family (e-mail in
    the same transaction, the booking task published on commit); the task books the meal
    at the family's QF bracket, as its own booking would be priced."""
    from tests.booking.test_qf_prices import grid, set_qf

    canteen, (g1, c1), (g2, _c2) = full_day
    canteen.service.billing_mode = "monthly"
    canteen.service.save()
    grid(canteen)
    set_qf(g1.household, "480")  # bracket 1: 1,00 €
    join(g1, c1, canteen)
    with django_capture_on_commit_callbacks() as callbacks:
        book(blanchard, set(), canteen)  # Maxime's meal cancelled: the place frees
    request = WaitingRequest.objects.get(child=c1)
    assert request.status == WaitingRequest.Status.PROMOTED
    assert waiting_emails(g1).count() == 1 and waiting_emails(g2).count() == 0
    assert callbacks  # the booking task, published once the cancellation committed
    services.book_promoted(request_id=request.pk, now=NOW)  # what the worker runs
    meal = Reservation.objects.get(child=c1, day=DAY)
    assert meal.status == "confirmed" and str(meal.unit_price) == "1.00"
    assert Reservation.objects.filter(day=DAY, status="confirmed").count() == 1
