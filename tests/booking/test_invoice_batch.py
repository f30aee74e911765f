"""Issue 14 §3: post-paid services ("facturé au mois") and their monthly batch ("lot")."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking import calendar, invoicing, selectors, services
from booking.models import Attendance, BillingBasis, BillingMode, Reservation
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import BatchInvoice, Document, DocumentPdf, InvoiceBatch
from ledger.tasks import render_batch_pdfs
from notifications.models import OutboxEmail
from portal.journal import JournalEntry
from tests.booking.bulk import bulk_booked_households
from tests.booking.factories import ReservationFactory, paris
from tests.factories import UserFactory

NOW = paris(2026, 12, 15, 9, 0)  # before the January 2027 deadlines
JAN = [datetime.date(2027, 1, d) for d in (4, 5, 7, 8)]  # Mon Tue Thu Fri
MONTH = datetime.date(2027, 1, 1)


@pytest.fixture
def monthly(canteen_2027):
    service = canteen_2027.service
    service.billing_mode = BillingMode.POSTPAID
    service.unbooked_meal_price = Decimal("6.50")
    service.save()
    return canteen_2027


@pytest.fixture
def agent():
    return UserFactory(is_staff=True, first_name="Agnès", last_name="RÉGIE")


def book(blanchard, canteen, child, days, now=NOW):
    order = services.draft_order(
        household=blanchard.household,
        service=canteen.service,
        wanted_keys={selectors.cell_key(child.pk, canteen.meal.pk, d) for d in days}
        | {
            selectors.cell_key(r.child_id, r.meal_kind_id, r.day)
            for r in Reservation.objects.filter(status="confirmed")
        },
        created_by=blanchard.user,
        now=now,
    )
    return order


def test_a_postpaid_order_books_without_payment(monthly, blanchard):
    """The recap shows what will be invoiced, no "Somme à payer", and "Valider" books it
    from a zero balance without any invoice."""
    order = book(blanchard, monthly, monthly.maxime, JAN)
    recap = selectors.order_recap(order)
    assert recap.postpaid and not recap.needs_payment
    assert recap.amount_to_invoice == Decimal("18.80")
    services.validate_order(order=order, household=blanchard.household, now=NOW)
    assert Reservation.objects.filter(status="confirmed").count() == 4
    assert not Document.objects.exists()
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("0.00")


def test_a_prepaid_order_still_asks_for_payment(canteen_2027, blanchard):
    order = book(blanchard, canteen_2027, canteen_2027.maxime, JAN)
    recap = selectors.order_recap(order)
    assert not recap.postpaid and recap.amount_to_pay == Decimal("18.80")


def test_the_recap_page_of_a_postpaid_service(parent_client, canteen, blanchard):
    from tests.booking.pages import PLANNING, RECAP, first_free_cells

    canteen.service.billing_mode = BillingMode.POSTPAID
    canteen.service.save()
    cells = first_free_cells(parent_client, "Maxime", 3)
    parent_client.post(PLANNING, {**{cell.key: "on" for cell in cells}, "finalize": "1"})
    page = parent_client.get(RECAP).content.decode()
    assert "Montant qui sera facturé" in page and "14,10" in page
    assert "Somme à payer" not in page and "Payer par carte bancaire" not in page
    assert ">Valider<" in page
    parent_client.post("/Clairoix/reservations/cant/valider/")
    assert Reservation.objects.filter(status="confirmed").count() == 3


def test_preview_then_issue_the_month(monthly, blanchard, dupont, agent):
    """The preview lists what the issue then issues: one FA per household, numbers gap-free,
    a line per meal; a justified absence is not billed, a meal eaten without reservation is
    billed at the "repas non réservé" price; one e-mail per household; the journal row."""
    from booking.models import AbsenceJustification

    services.validate_order(
        order=book(blanchard, monthly, monthly.maxime, JAN), household=blanchard.household, now=NOW
    )
    zoe = dupont.household.children.get()
    ReservationFactory(
        child=zoe, meal_kind=monthly.meal, site=monthly.site, day=JAN[0], unit_price=Decimal("4.70")
    )
    AbsenceJustification.objects.create(
        household=blanchard.household,
        child=monthly.maxime,
        service=monthly.service,
        day=JAN[1],
        reason=AbsenceJustification.Reason.ILLNESS,
        declared_by=blanchard.user,
        declared_at=NOW,
    )
    Attendance.objects.create(
        child=zoe,
        meal_kind=monthly.meal,
        site=monthly.site,
        day=JAN[2],
        present=True,
        recorded_by=agent,
    )
    preview = invoicing.invoice_batch_preview(service=monthly.service, month=MONTH)
    by_name = {bill.name: bill for bill in preview.bills}
    assert {name: (b.meals, b.total) for name, b in by_name.items()} == {
        blanchard.household.name: (3, Decimal("14.10")),
        dupont.household.name: (2, Decimal("11.20")),
    }
    assert preview.total == Decimal("25.30")

    batch = invoicing.invoice_batch_issue(service=monthly.service, month=MONTH, actor=agent)
    invoices = list(Document.objects.filter(kind="FA").order_by("sequence"))
    assert [i.sequence for i in invoices] == [1, 2]
    assert [i.number for i in invoices] == ["FA2026000001", "FA2026000002"]
    assert {i.account.household.name: i.total for i in invoices} == {
        name: bill.total for name, bill in by_name.items()
    }
    assert batch.invoice_count == 2 and batch.total == preview.total
    dupont_invoice = next(i for i in invoices if i.account.household_id == dupont.household.pk)
    assert sorted((line.label, line.unit_price) for line in dupont_invoice.lines.all()) == [
        ("Repas", Decimal("4.70")),
        ("Repas sans réservation", Decimal("6.50")),
    ]
    emails = OutboxEmail.objects.filter(template="ledger/monthly_invoice")
    assert sorted(e.to_email for e in emails) == sorted([blanchard.user.email, dupont.user.email])
    mail = emails.get(to_email=blanchard.user.email)
    assert "14,10" in mail.body_text and "01/2027" in mail.subject
    assert invoices[0].number in mail.body_text or invoices[1].number in mail.body_text
    assert JournalEntry.objects.filter(action="booking.invoice_batch").count() == 1
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("-14.10")


def test_attendance_basis_leaves_out_an_absent_meal(monthly, blanchard, agent):
    monthly.service.billing_basis = BillingBasis.ATTENDANCE
    monthly.service.save()
    services.validate_order(
        order=book(blanchard, monthly, monthly.maxime, JAN), household=blanchard.household, now=NOW
    )
    Attendance.objects.create(
        child=monthly.maxime,
        meal_kind=monthly.meal,
        site=monthly.site,
        day=JAN[0],
        present=False,
        recorded_by=agent,
    )
    preview = invoicing.invoice_batch_preview(service=monthly.service, month=MONTH)
    assert [(b.meals, b.total) for b in preview.bills] == [(3, Decimal("14.10"))]


def test_the_batch_pdfs_are_rendered_by_the_task(
    monthly, blanchard, agent, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(render_batch_pdfs, "apply_async", lambda **kwargs: queued.append(kwargs))
    services.validate_order(
        order=book(blanchard, monthly, monthly.maxime, JAN), household=blanchard.household, now=NOW
    )
    with django_capture_on_commit_callbacks(execute=True):
        batch = invoicing.invoice_batch_issue(service=monthly.service, month=MONTH, actor=agent)
    assert [q["args"] for q in queued] == [[batch.pk]]
    assert not DocumentPdf.objects.exists()
    render_batch_pdfs.apply(args=[batch.pk])
    invoice = Document.objects.get(kind="FA")
    assert DocumentPdf.objects.get(document=invoice).content


def test_a_second_run_issues_nothing_and_a_late_household_gets_a_complementary_batch(
    monthly, blanchard, dupont, agent
):
    services.validate_order(
        order=book(blanchard, monthly, monthly.maxime, JAN), household=blanchard.household, now=NOW
    )
    first = invoicing.invoice_batch_issue(service=monthly.service, month=MONTH, actor=agent)
    assert first.rank == 1 and first.invoice_count == 1
    assert invoicing.invoice_batch_issue(service=monthly.service, month=MONTH, actor=agent) is None
    assert Document.objects.filter(kind="FA").count() == 1
    assert OutboxEmail.objects.filter(template="ledger/monthly_invoice").count() == 1

    ReservationFactory(
        child=dupont.household.children.get(),
        meal_kind=monthly.meal,
        site=monthly.site,
        day=JAN[0],
        unit_price=Decimal("4.70"),
    )
    preview = invoicing.invoice_batch_preview(service=monthly.service, month=MONTH)
    assert [b.name for b in preview.bills] == [dupont.household.name]
    assert preview.already_invoiced == 1
    second = invoicing.invoice_batch_issue(service=monthly.service, month=MONTH, actor=agent)
    assert second.rank == 2 and second.invoice_count == 1
    assert list(
        Document.objects.filter(kind="FA").order_by("sequence").values_list("sequence", flat=True)
    ) == [1, 2]
    assert BatchInvoice.objects.count() == 2 and InvoiceBatch.objects.count() == 2


def test_a_cancellation_before_the_invoice_just_cancels_after_it_credits_once(
    monthly, blanchard, agent
):
    services.validate_order(
        order=book(blanchard, monthly, monthly.maxime, JAN), household=blanchard.household, now=NOW
    )
    keep = JAN[1:]
    order = services.draft_order(
        household=blanchard.household,
        service=monthly.service,
        wanted_keys={selectors.cell_key(monthly.maxime.pk, monthly.meal.pk, d) for d in keep},
        created_by=blanchard.user,
        now=NOW,
    )
    services.validate_order(order=order, household=blanchard.household, now=NOW)
    assert not Document.objects.exists()  # nothing invoiced: nothing to credit

    invoicing.invoice_batch_issue(service=monthly.service, month=MONTH, actor=agent)
    invoice = Document.objects.get(kind="FA")
    assert invoice.total == Decimal("14.10")
    order = services.book_for_household(
        household=blanchard.household,
        service=monthly.service,
        wanted_keys={selectors.cell_key(monthly.maxime.pk, monthly.meal.pk, d) for d in keep[1:]},
        agent=agent,
        reason="Erreur de saisie",
        overrides_deadlines=True,
        now=paris(2027, 2, 2, 9, 0),
    )
    credit_note = Document.objects.get(kind="AV")
    assert credit_note.total == Decimal("4.70")
    assert credit_note.lines.get().credits.document_id == invoice.pk
    assert ledger_selectors.balance(blanchard.household, "cant") == Decimal("-9.40")


def test_the_batch_query_count_does_not_grow_with_the_households(monthly, agent):
    feb = [datetime.date(2027, 2, d) for d in (1, 2, 4, 5)]
    ledger_services.ledger_settings()  # the commune's mentions row, written once ever
    counts = {}
    for month, count, days in ((MONTH, 10, JAN), (datetime.date(2027, 2, 1), 200, feb)):
        bulk_booked_households(monthly, count, days, tag=str(count))
        with CaptureQueriesContext(connection) as queries:
            batch = invoicing.invoice_batch_issue(service=monthly.service, month=month, actor=agent)
        assert batch.invoice_count == count
        counts[count] = len(queries)
    assert counts[10] == counts[200], counts


def test_the_facturation_page_previews_then_issues(monthly, blanchard):
    """The Régisseur's page: the preview's families and total, "Émettre", then the batch in
    the list and nothing left; an Agent is refused."""
    from portal import roles
    from tests.factories import agent_client

    services.validate_order(
        order=book(blanchard, monthly, monthly.maxime, JAN), household=blanchard.household, now=NOW
    )
    client, _user = agent_client(roles.REGISSEUR)
    url = "/Clairoix/gestion/facturation/?service=cant&month=2027-01"
    page = client.get(url).content.decode()
    assert "BLANCHARD" in page and "18,80" in page and "Émettre les factures du mois" in page
    response = client.post(
        "/Clairoix/gestion/facturation/", {"service": "cant", "month": "2027-01"}, follow=True
    )
    page = response.content.decode()
    assert "Lot émis : 1 factures" in page
    assert 'id="nothing-to-invoice"' in page and 'id="batches"' in page
    assert Document.objects.filter(kind="FA").count() == 1
    client.post("/Clairoix/gestion/facturation/", {"service": "cant", "month": "2027-01"})
    assert Document.objects.filter(kind="FA").count() == 1
    garbage = client.get("/Clairoix/gestion/facturation/?service=zz&month=13-2027")
    assert garbage.status_code == 200

    cook, _user = agent_client(roles.AGENT, email="agent@clairoix.test")
    assert cook.get(url).status_code == 403


def test_the_demo_has_a_postpaid_alsh_service_with_last_months_batch(in_clairoix):
    """Clairoix's "Repas ALSH": post-paid, families booked on Wednesdays, last month's
    batch issued (one invoice per household booked that month); loading twice changes
    nothing."""
    from booking.models import Service
    from portal.management.commands.load_demo import demo_loaders

    def load():
        for loader in demo_loaders():
            loader(in_clairoix)
        return (
            Reservation.objects.count(),
            Document.objects.count(),
            InvoiceBatch.objects.count(),
            OutboxEmail.objects.count(),
        )

    first = load()
    assert load() == first
    alsh = Service.objects.get(code="alsh")
    assert alsh.is_postpaid and Service.objects.get(code="cant").is_postpaid is False
    booked = Reservation.objects.filter(meal_kind__service=alsh)
    # Wednesdays in term time; any weekday of the school holidays (the ALSH is open then).
    assert alsh.open_in_school_holidays
    for day in booked.values_list("day", flat=True):
        in_holidays = calendar.school_holiday_name(day, "B") is not None
        assert day.weekday() < 5 if in_holidays else day.weekday() == 2, day
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    households = set(
        booked.filter(day__gte=last_month, day__lt=timezone.localdate().replace(day=1)).values_list(
            "child__household_id", flat=True
        )
    )
    assert households, "the demo books last month's Wednesdays"
    assert ledger_batch_households(last_month) == households


def ledger_batch_households(month):
    return set(
        BatchInvoice.objects.filter(service__code="alsh", month=month).values_list(
            "household_id", flat=True
        )
    )
