import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ledger import selectors, services
from ledger.models import CreditNote, Document, Invoice, Line, Payment, ServiceBook
from tests.ledger.factories import (
    OBSERVATIONS,
    at,
    credit_note,
    invoice,
    manual_statement,
    meal,
    payment,
)

DAY = datetime.date(2026, 3, 2)


def test_register_service_book_is_an_upsert_by_code(in_clairoix):
    first = services.register_service_book(
        code="cant", name="Restaurant scolaire", invoice_title="Service de Restauration Scolaire"
    )
    again = services.register_service_book(
        code="cant",
        name="Restaurant scolaire",
        invoice_title="Service de Restauration Scolaire",
        observations=OBSERVATIONS,
    )
    assert again.pk == first.pk
    assert ServiceBook.objects.get().observations == OBSERVATIONS


def test_the_manuals_statement_ends_with_4_70_in_credit(cant, blanchard):
    start = datetime.date(2017, 11, 18)
    manual_statement(blanchard, datetime.date(2017, 12, 14))
    result = selectors.statement(blanchard.household, "cant", start, datetime.date(2017, 12, 18))
    assert result.opening == Decimal("0.00")
    # By date, then invoice before payment, then number.
    assert [(d.kind, d.total) for d in result.documents] == [
        ("FA", Decimal("9.40")),
        ("FA", Decimal("4.70")),
        ("RG", Decimal("9.40")),
        ("RG", Decimal("4.70")),
        ("AV", Decimal("4.70")),
    ]
    assert result.closing == Decimal("4.70")
    assert selectors.balance(blanchard.household, "cant") == Decimal("4.70")


def test_balance_at_a_date_counts_that_whole_day_and_nothing_after(cant, blanchard, maxime):
    invoice(blanchard, [meal(maxime, DAY)], issued_at=at(DAY, 23))
    payment(blanchard, "10.00", paid_at=at(DAY + datetime.timedelta(days=1), 0))
    household = blanchard.household
    assert selectors.balance(household, "cant", at=DAY - datetime.timedelta(days=1)) == 0
    assert selectors.balance(household, "cant", at=DAY) == Decimal("-4.70")
    assert selectors.balance(household, "cant", at=DAY + datetime.timedelta(days=1)) == Decimal(
        "5.30"
    )
    assert selectors.balance(household, "other") == 0


def test_an_invoice_copies_its_lines_title_observations_and_author(cant, blanchard, maxime, lea):
    document = invoice(
        blanchard,
        [meal(maxime, DAY), meal(maxime, DAY + datetime.timedelta(days=1)), meal(lea, DAY, "6.20")],
        issued_at=at(DAY),
    )
    assert isinstance(document, Invoice) and document.number == "FA2026000001"
    assert document.total == Decimal("15.60")
    assert document.author_name == "BLANCHARD Bertrand"
    assert document.invoice_title == "Service de Restauration Scolaire"
    assert document.observations == OBSERVATIONS
    assert [(x.child_name, x.day, x.amount) for x in document.lines.all()] == [
        ("BLANCHARD Maxime", DAY, Decimal("4.70")),
        ("BLANCHARD Maxime", DAY + datetime.timedelta(days=1), Decimal("4.70")),
        ("BLANCHARD Léa", DAY, Decimal("6.20")),
    ]
    # A later change of the service's text does not reach the issued invoice.
    ServiceBook.objects.filter(code="cant").update(observations="Nouveau texte")
    document.refresh_from_db()
    assert document.observations == OBSERVATIONS


def test_the_same_idempotency_key_returns_the_first_document(cant, blanchard, maxime):
    first = invoice(blanchard, [meal(maxime, DAY)], idempotency_key="order-7")
    again = invoice(blanchard, [meal(maxime, DAY), meal(maxime, DAY)], idempotency_key="order-7")
    assert again.pk == first.pk
    assert Document.objects.count() == 1 and Line.objects.count() == 1
    assert invoice(blanchard, [meal(maxime, DAY)]).number.endswith("000002")


def test_a_key_reused_for_another_household_is_refused(cant, blanchard, dupont, maxime):
    invoice(blanchard, [meal(maxime, DAY)], idempotency_key="order-8")
    zoe = dupont.household.children.get()
    with pytest.raises(services.IdempotencyConflict):
        invoice(dupont, [meal(zoe, DAY)], idempotency_key="order-8")


def test_a_line_for_another_households_child_is_refused(cant, blanchard, dupont):
    zoe = dupont.household.children.get()
    with pytest.raises(ValidationError):
        invoice(blanchard, [meal(zoe, DAY)])
    assert not Document.objects.exists()


def test_numbers_per_type_and_year(cant, blanchard, maxime):
    december, january = at(datetime.date(2025, 12, 31), 23), at(datetime.date(2026, 1, 1), 0)
    numbers = [
        invoice(blanchard, [meal(maxime, DAY)], issued_at=december).number,
        invoice(blanchard, [meal(maxime, DAY)], issued_at=december).number,
        payment(blanchard, "4.70", paid_at=december).number,
        invoice(blanchard, [meal(maxime, DAY)], issued_at=january).number,
        credit_note(blanchard, [meal(maxime, DAY)], issued_at=january).number,
        payment(blanchard, "4.70", paid_at=january).number,
    ]
    assert numbers == [
        "FA2025000001",
        "FA2025000002",
        "RG2025000001",
        "FA2026000001",
        "AV2026000001",
        "RG2026000001",
    ]


def test_a_rolled_back_issuance_consumes_no_number(cant, blanchard, maxime):
    assert invoice(blanchard, [meal(maxime, DAY)]).sequence == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert invoice(blanchard, [meal(maxime, DAY)]).sequence == 2
        raise RuntimeError("the caller's booking failed")
    assert invoice(blanchard, [meal(maxime, DAY)]).sequence == 2
    assert sorted(Document.objects.values_list("sequence", flat=True)) == [1, 2]


def test_numbering_is_separate_per_commune(cant, blanchard, maxime, les_ageux):
    from django_tenants.utils import schema_context

    from tests.portal.factories import ChildFactory, GuardianFactory

    invoice(blanchard, [meal(maxime, DAY)], issued_at=at(DAY))
    invoice(blanchard, [meal(maxime, DAY)], issued_at=at(DAY))
    with schema_context(les_ageux.schema_name):
        services.register_service_book(code="cant", name="Cantine", invoice_title="Cantine")
        martin = GuardianFactory()
        hugo = ChildFactory(household=martin.household, first_name="Hugo")
        document = invoice(martin, [meal(hugo, DAY)], issued_at=at(DAY))
        assert document.number == "FA2026000001"
        assert document.snapshot["commune_name"] == "Les Ageux"


def test_credit_note_references_the_invoice_it_cancels(cant, blanchard, maxime, dupont):
    fa = invoice(blanchard, [meal(maxime, DAY)])
    av = credit_note(blanchard, [meal(maxime, DAY)], cancels=fa, reason="Erreur de saisie")
    assert isinstance(av, CreditNote) and isinstance(fa, Invoice)
    assert av.cancels == fa and av.reason == "Erreur de saisie" and av.label.startswith("Annul")
    zoe = dupont.household.children.get()
    other = invoice(dupont, [meal(zoe, DAY)])
    with pytest.raises(ValidationError):
        credit_note(blanchard, [meal(maxime, DAY)], cancels=other)


def test_payment_modes_and_amounts_are_checked(cant, blanchard):
    with pytest.raises(ValidationError):
        payment(blanchard, "4.70", mode="bitcoin")
    with pytest.raises(ValidationError):
        payment(blanchard, "0")
    with pytest.raises(TypeError):
        services.record_payment(
            household=blanchard.household,
            service_code="cant",
            amount=4.7,
            mode="cash",
            recorded_by=blanchard.user,
            idempotency_key="float",
        )
    receipt = payment(blanchard, "12.5", mode="cheque")
    assert isinstance(receipt, Payment)
    assert receipt.total == Decimal("12.50") and receipt.get_payment_mode_display() == "chèque"


def test_unknown_service_is_refused(in_clairoix, blanchard, maxime):
    with pytest.raises(ValidationError):
        invoice(blanchard, [meal(maxime, DAY)], service_code="alsh")


def test_writes_join_the_callers_transaction(cant, blanchard, maxime):
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice(blanchard, [meal(maxime, DAY)])
        payment(blanchard, "4.70")
        raise RuntimeError("validation failed later")
    assert not Document.objects.exists()
    assert selectors.balance(blanchard.household, "cant") == 0


def test_a_payment_typed_for_a_day_is_dated_noon_that_day_or_now_for_today(cant, blanchard):
    def typed(paid_on, key):
        return services.record_payment(
            household=blanchard.household,
            service_code="cant",
            amount=Decimal("4.70"),
            mode="cash",
            recorded_by=blanchard.user,
            idempotency_key=key,
            paid_on=paid_on,
        )

    past = typed(datetime.date(2025, 12, 31), "typed-past")
    assert timezone.localtime(past.issued_at) == timezone.make_aware(
        datetime.datetime(2025, 12, 31, 12)
    )
    assert past.number.startswith("RG2025")
    before = timezone.now()
    today = typed(timezone.localdate(), "typed-today")
    assert before <= today.issued_at <= timezone.now()
    with pytest.raises(ValueError):
        services.record_payment(
            household=blanchard.household,
            service_code="cant",
            amount=Decimal("4.70"),
            mode="cash",
            recorded_by=blanchard.user,
            idempotency_key="typed-both",
            paid_on=datetime.date(2025, 12, 31),
            paid_at=timezone.now(),
        )


def test_another_households_document_is_none_to_the_selector(cant, blanchard, dupont, maxime):
    bill = invoice(blanchard, [meal(maxime, DAY)])
    assert selectors.household_document(blanchard.household, "cant", bill.number) == bill
    assert selectors.household_document(dupont.household, "cant", bill.number) is None
    assert selectors.household_document(blanchard.household, "alsh", bill.number) is None
    assert selectors.service_book("alsh") is None
