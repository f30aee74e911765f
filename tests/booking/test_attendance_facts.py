"""Issue 14: what a post-paid batch reads of the register (booking.selectors.billing_facts)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from booking.models import AbsenceJustification, Attendance, Reservation
from booking.selectors import AttendanceFact, billing_facts
from tests.booking.factories import ReservationFactory
from tests.factories import UserFactory
from tests.portal.factories import ChildFactory

MON, TUE, THU = datetime.date(2027, 1, 4), datetime.date(2027, 1, 5), datetime.date(2027, 1, 7)


def test_billing_facts_covers_bookings_and_presences(
    canteen_2027, blanchard, dupont, django_assert_num_queries
):
    canteen = canteen_2027
    maxime = blanchard.household.children.get(first_name="Maxime")
    lea = blanchard.household.children.get(first_name="Léa")
    zoe = dupont.household.children.get()
    agent = UserFactory(is_staff=True)

    def book(child, day, status=Reservation.Status.CONFIRMED, price="4.70"):
        return ReservationFactory(
            child=child,
            meal_kind=canteen.meal,
            site=canteen.site,
            day=day,
            status=status,
            unit_price=Decimal(price),
        )

    def tap(child, day, present):
        Attendance.objects.create(
            child=child,
            meal_kind=canteen.meal,
            site=canteen.site,
            day=day,
            present=present,
            recorded_by=agent,
        )

    book(maxime, MON, price="4.50")  # booked, present
    tap(maxime, MON, True)
    book(lea, MON)  # booked, absent, justified
    tap(lea, MON, False)
    AbsenceJustification.objects.create(
        household=blanchard.household,
        child=lea,
        service=canteen.service,
        day=MON,
        reason=AbsenceJustification.Reason.ILLNESS,
        declared_by=blanchard.user,
        declared_at=timezone.now(),
    )
    book(maxime, TUE)  # booked, register not taken
    tap(zoe, MON, True)  # present without reservation
    book(zoe, TUE, status=Reservation.Status.CANCELLED)  # cancelled: not a fact
    book(lea, datetime.date(2027, 2, 1))  # outside the range
    other = ChildFactory(household=dupont.household, first_name="Hors")
    book(other, THU, status=Reservation.Status.HELD)  # held: not the family's yet

    with django_assert_num_queries(3):  # whatever the number of households
        facts = billing_facts(service=canteen.service, start=MON, end=datetime.date(2027, 1, 31))

    b, d = blanchard.household.pk, dupont.household.pk
    kind, site = canteen.meal.pk, canteen.site.pk
    expected = [
        AttendanceFact(b, maxime.pk, kind, site, MON, True, Decimal("4.50"), True, False),
        AttendanceFact(b, lea.pk, kind, site, MON, True, Decimal("4.70"), False, True),
        AttendanceFact(b, maxime.pk, kind, site, TUE, True, Decimal("4.70"), None, False),
        AttendanceFact(d, zoe.pk, kind, site, MON, False, None, True, False),
    ]
    assert sorted(facts, key=lambda f: (f.household_id, f.day, f.child_id)) == sorted(
        expected, key=lambda f: (f.household_id, f.day, f.child_id)
    )
