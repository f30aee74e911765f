"""The demo town (Clairoix): a dozen households with bookings over last month and this
month, payments by card and at the town hall, debts with old unpaid invoices, messages;
BLANCHARD keeps the manual's statement; loading twice changes nothing."""

import datetime
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from booking.models import Reservation
from ledger import selectors
from ledger.models import Document
from portal.management.commands.load_demo import demo_loaders
from portal.models import ContactMessage, Household


def load_all(commune):
    for load in demo_loaders():
        load(commune)


def snapshot():
    return (
        Household.objects.count(),
        Reservation.objects.count(),
        Document.objects.count(),
        ContactMessage.objects.count(),
    )


def test_the_demo_town_shows_a_real_month_and_loads_twice_safely(in_clairoix):
    load_all(in_clairoix)
    first = snapshot()
    load_all(in_clairoix)
    assert snapshot() == first

    households, reservations, _documents, messages = first
    assert households >= 13 and messages >= 3
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    by_month = Reservation.objects.filter(day__gte=last_month).values_list("day", flat=True)
    assert any(day < this_month for day in by_month)
    assert any(day >= this_month for day in by_month)
    assert Reservation.objects.values("child__household").distinct().count() >= 12

    modes = dict(
        Document.objects.filter(kind="RG")
        .values_list("payment_mode")
        .annotate(n=Count("id"))
        .values_list("payment_mode", "n")
    )
    assert modes.get("card", 0) >= 5 and modes.get("cheque", 0) + modes.get("cash", 0) >= 2

    in_debit = [h for h in Household.objects.all() if selectors.balance(h, "cant") < 0]
    assert len(in_debit) >= 4
    oldest = (
        Document.objects.filter(kind="FA", account__household__in=in_debit)
        .order_by("issued_at")
        .first()
    )
    assert (timezone.now() - oldest.issued_at).days >= 25
    debt = sum(selectors.balance(h, "cant") for h in in_debit)
    invoiced = Document.objects.filter(kind="FA").aggregate(total=Sum("total"))["total"]
    assert Decimal("0") < -debt < invoiced

    # The manual's household keeps its statement.
    blanchard = Household.objects.get(name="BLANCHARD")
    assert selectors.balance(blanchard, "cant") == Decimal("4.70")


def test_the_demo_register_of_the_last_days_is_taken_and_closed(in_clairoix):
    from booking.models import Attendance, AttendanceDay, Service

    load_all(in_clairoix)
    counts = (Attendance.objects.count(), AttendanceDay.objects.count())
    load_all(in_clairoix)
    assert (Attendance.objects.count(), AttendanceDay.objects.count()) == counts
    assert Service.objects.get(code="cant").unbooked_meal_price == Decimal("6.50")
    if counts[1]:  # early in a school year, no past service day is booked yet
        assert not AttendanceDay.objects.filter(closed_at=None).exists()
        assert Attendance.objects.filter(present=False).exists()
