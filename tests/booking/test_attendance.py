"""Issue 14, items 1 and 2: the register (pointage) and what it does to money."""

import datetime
from decimal import Decimal

import pytest

from booking import selectors, services
from booking.models import AbsenceJustification, Attendance, AttendanceDay
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import CreditNote, Document, Invoice, Line
from portal import roles
from portal.models import JournalEntry
from tests.booking.factories import paris
from tests.factories import UserFactory

NOW = paris(2026, 12, 15, 9, 0)
MON, TUE = datetime.date(2027, 1, 4), datetime.date(2027, 1, 5)


def staff(role, email):
    user = UserFactory(email=email, is_staff=True, first_name="Claire", last_name=role.upper())
    roles.give_role(user, role)
    return user


@pytest.fixture
def agent(in_clairoix):
    return staff(roles.AGENT, "agent@clairoix.test")


@pytest.fixture
def regisseur(in_clairoix):
    return staff(roles.REGISSEUR, "regisseur@clairoix.test")


@pytest.fixture
def canteen(canteen_2027, dupont):
    from tests.booking.factories import enrol

    canteen_2027.service.unbooked_meal_price = Decimal("6.50")
    canteen_2027.service.save()
    enrol(canteen_2027, dupont.household.children.get())
    return canteen_2027


def children(blanchard, dupont):
    household = blanchard.household
    return (
        household.children.get(first_name="Maxime"),
        household.children.get(first_name="Léa"),
        dupont.household.children.get(),
    )


def book_and_pay(guardian, canteen, cells):
    keys = [selectors.cell_key(child.pk, canteen.meal.pk, day) for child, day in cells]
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


def tap(canteen, child, present, actor, day=MON, reason=""):
    return services.attendance_record(
        service=canteen.service,
        site=canteen.site,
        day=day,
        child=child,
        meal_kind=canteen.meal,
        present=present,
        actor=actor,
        reason=reason,
    )


def close(canteen, actor, day=MON):
    return services.attendance_close_day(
        service=canteen.service, site=canteen.site, day=day, actor=actor
    )


def test_present_without_booking_billed_once_at_close(canteen, blanchard, dupont, agent):
    maxime, _lea, zoe = children(blanchard, dupont)
    book_and_pay(blanchard, canteen, [(maxime, MON)])
    tap(canteen, maxime, True, agent)
    tap(canteen, zoe, True, agent)
    tap(canteen, zoe, True, agent)  # the retried tap changes nothing
    assert Attendance.objects.filter(day=MON).count() == 2
    assert not Invoice.objects.filter(without_reservation=True).exists()  # not before the close

    first = close(canteen, agent)
    second = close(canteen, agent)

    assert first.closed_now and not second.closed_now
    debit = Document.objects.get(without_reservation=True)
    assert debit.account.household == dupont.household
    assert debit.total == Decimal("6.50")
    (line,) = Line.objects.filter(document=debit)
    assert (line.child_id, line.day, line.unit_price) == (zoe.pk, MON, Decimal("6.50"))
    assert "DUPONT" in line.child_name
    assert ledger_selectors.balance(dupont.household, "cant") == Decimal("-6.50")
    # Maxime had booked: nothing more billed to the BLANCHARD household.
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("0.00")
    assert JournalEntry.objects.filter(action="booking.attendance_closed").count() == 1


def test_unjustified_absence_stays_billed(canteen, blanchard, dupont, agent):
    maxime, _lea, _zoe = children(blanchard, dupont)
    book_and_pay(blanchard, canteen, [(maxime, MON)])
    tap(canteen, maxime, False, agent)
    close(canteen, agent)
    assert not CreditNote.objects.exists()
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("0.00")


def test_justified_absence_credited_once(canteen, blanchard, dupont, agent):
    maxime, lea, _zoe = children(blanchard, dupont)
    order = book_and_pay(blanchard, canteen, [(maxime, MON), (lea, MON), (maxime, TUE)])
    tap(canteen, maxime, False, agent)

    result = services.absence_justify(
        household=blanchard.household,
        child=maxime,
        service=canteen.service,
        days=[MON, TUE],
        reason="illness",
        actor=blanchard.user,
        file_name="certificat.pdf",
        file_data=b"%PDF-1.4 certificat",
        now=paris(2027, 1, 5, 8, 0),
    )

    credit = result.credit_note
    assert credit is not None and credit.total == Decimal("9.40")  # one note for both days
    lines = Line.objects.filter(document=credit)
    assert sorted(line.day for line in lines) == [MON, TUE]
    assert all(line.credits_id for line in lines)
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("9.40")
    assert not JournalEntry.objects.filter(action="booking.absence_justified").exists()  # parent

    # The parent then cancels Monday the usual way: credit_plan finds it credited already.
    cancel = services.draft_order(
        household=blanchard.household,
        service=canteen.service,
        wanted_keys=[
            selectors.cell_key(lea.pk, canteen.meal.pk, MON),
            selectors.cell_key(maxime.pk, canteen.meal.pk, TUE),
        ],
        created_by=blanchard.user,
        now=NOW,
    )
    services.validate_order(order=cancel, household=blanchard.household, now=NOW)
    assert CreditNote.objects.count() == 1  # Maxime's Monday never credited twice
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("9.40")
    assert order.pk


def test_justification_of_a_day_not_booked_refused(canteen, blanchard, dupont):
    maxime, _lea, _zoe = children(blanchard, dupont)
    with pytest.raises(services.AttendanceRefused, match="Aucun repas"):
        services.absence_justify(
            household=blanchard.household,
            child=maxime,
            service=canteen.service,
            days=[MON],
            reason="illness",
            actor=blanchard.user,
            now=NOW,
        )
    assert not AbsenceJustification.objects.exists()


def test_justified_absence_twice_refused(canteen, blanchard, dupont, agent):
    maxime, _lea, _zoe = children(blanchard, dupont)
    book_and_pay(blanchard, canteen, [(maxime, MON)])
    arguments = dict(
        household=blanchard.household,
        child=maxime,
        service=canteen.service,
        days=[MON],
        reason="strike",
        actor=agent,
        now=paris(2027, 1, 4, 12, 0),
    )
    services.absence_justify(**arguments)
    with pytest.raises(services.AttendanceRefused, match="déjà signalée"):
        services.absence_justify(**arguments)
    assert CreditNote.objects.count() == 1
    entry = JournalEntry.objects.get(action="booking.absence_justified")
    assert entry.household_id == blanchard.household.pk


def test_late_justification_refused_then_accepted_by_regisseur(
    canteen, blanchard, dupont, agent, regisseur
):
    maxime, _lea, _zoe = children(blanchard, dupont)
    book_and_pay(blanchard, canteen, [(maxime, MON), (maxime, TUE)])
    late = paris(2027, 1, 7, 0, 1)  # Monday's end + 48 h = Thursday 00:00
    arguments = dict(
        household=blanchard.household,
        child=maxime,
        service=canteen.service,
        days=[MON],
        reason="illness",
        now=late,
    )
    for actor in (blanchard.user, agent):
        with pytest.raises(services.AttendanceRefused, match="délai .* est dépassé"):
            services.absence_justify(actor=actor, **arguments)
    with pytest.raises(services.AttendanceRefused, match="motif de l'acceptation"):
        services.absence_justify(actor=regisseur, **arguments)
    assert not AbsenceJustification.objects.exists() and not CreditNote.objects.exists()

    result = services.absence_justify(actor=regisseur, late_reason="certificat reçu", **arguments)

    assert result.credit_note.total == Decimal("4.70")
    entry = JournalEntry.objects.get(action="booking.absence_justified")
    assert "hors délai : certificat reçu" in entry.summary
    # Just within the delay, a parent is accepted.
    services.absence_justify(
        household=blanchard.household,
        child=maxime,
        service=canteen.service,
        days=[TUE],
        reason="illness",
        actor=blanchard.user,
        now=paris(2027, 1, 7, 23, 59),
    )


def test_closed_day_needs_regisseur_reason_and_journal(
    canteen, blanchard, dupont, agent, regisseur
):
    _maxime, _lea, zoe = children(blanchard, dupont)
    tap(canteen, zoe, True, agent)
    close(canteen, agent)
    assert AttendanceDay.objects.get(day=MON).is_closed
    with pytest.raises(services.AttendanceRefused, match="seul un régisseur"):
        tap(canteen, zoe, False, agent)
    with pytest.raises(services.AttendanceRefused, match="motif"):
        tap(canteen, zoe, False, regisseur)
    assert Attendance.objects.get(child=zoe).present

    tap(canteen, zoe, False, regisseur, reason="erreur de pointage")

    assert not Attendance.objects.get(child=zoe).present
    entry = JournalEntry.objects.get(action="booking.attendance_amended")
    assert "erreur de pointage" in entry.summary and entry.household_id == dupont.household.pk
    # The débit sans réservation is credited back, its line once.
    credit = CreditNote.objects.get()
    assert credit.total == Decimal("6.50")
    assert ledger_selectors.balance(dupont.household, "cant") == Decimal("0.00")


def test_child_of_another_site_refused(canteen, blanchard, agent, in_clairoix):
    from tests.portal.factories import ChildFactory

    stranger = ChildFactory(household=blanchard.household, first_name="Hors")
    with pytest.raises(services.AttendanceRefused, match="pas inscrit"):
        tap(canteen, stranger, True, agent)
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 not a pdf", "PDF, JPEG ou PNG"),
        (b"GIF89a", "PDF, JPEG ou PNG"),
        (b"%PDF-" + b"0" * (5 * 1024 * 1024), "5 Mo"),
    ],
)
def test_upload_checked_by_content(canteen, blanchard, dupont, data, message):
    maxime, _lea, _zoe = children(blanchard, dupont)
    with pytest.raises(services.AttendanceRefused, match=message):
        services.absence_justify(
            household=blanchard.household,
            child=maxime,
            service=canteen.service,
            days=[MON],
            reason="illness",
            actor=blanchard.user,
            file_name="certificat.pdf",
            file_data=data,
            now=NOW,
        )
    assert not AbsenceJustification.objects.exists()


def test_automatic_close_at_the_hour(canteen, blanchard, dupont, agent):
    _maxime, _lea, zoe = children(blanchard, dupont)
    canteen.service.attendance_close_time = datetime.time(15, 0)
    canteen.service.save()
    tap(canteen, zoe, True, agent)
    assert services.close_due_attendance_days(now=paris(2027, 1, 4, 14, 59)) == 0
    assert services.close_due_attendance_days(now=paris(2027, 1, 4, 15, 1)) == 1
    assert services.close_due_attendance_days(now=paris(2027, 1, 4, 15, 16)) == 0
    assert Document.objects.filter(without_reservation=True).count() == 1


def test_unbooked_price_typed_the_french_way_in_the_admin(canteen, regisseur):
    from django.contrib import admin
    from django.test import RequestFactory

    from booking.admin import ServiceAdmin
    from booking.models import Service

    request = RequestFactory().get("/")
    request.user = regisseur
    field = ServiceAdmin(Service, admin.site).formfield_for_dbfield(
        Service._meta.get_field("unbooked_meal_price"), request
    )
    assert field.clean("6,50") == Decimal("6.50")
    assert field.prepare_value(Decimal("6.50")) == "6,50"
    with pytest.raises(Exception, match="Montant invalide"):
        field.clean("6,5O")
