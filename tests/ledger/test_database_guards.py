"""What the database itself refuses, whatever Python code runs."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from ledger.models import Account, Document, ImmutableDocumentError, Line
from tests.ledger.factories import invoice, meal

DAY = datetime.date(2026, 3, 2)

DB_ERRORS = (IntegrityError, InternalError)


@pytest.fixture
def issued(cant, blanchard, maxime):
    return invoice(blanchard, [meal(maxime, DAY), meal(maxime, DAY + datetime.timedelta(1))])


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_document SET total = 0.01 WHERE id = %s",
        "DELETE FROM ledger_document WHERE id = %s",
        "UPDATE ledger_line SET unit_price = 0, amount = 0 WHERE document_id = %s",
        "DELETE FROM ledger_line WHERE document_id = %s",
    ],
)
def test_update_and_delete_are_refused_by_the_database(issued, sql):
    with pytest.raises(DB_ERRORS, match="immutable"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [issued.pk])
    assert Document.objects.get(pk=issued.pk).total == Decimal("9.40")
    assert Line.objects.filter(document=issued).count() == 2


def test_the_orm_refuses_too_even_through_querysets(issued):
    with pytest.raises(ImmutableDocumentError, match="cannot change"):
        issued.save()
    with pytest.raises(ImmutableDocumentError, match="cannot be deleted"):
        issued.delete()
    with pytest.raises(DB_ERRORS, match="UPDATE on .*ledger_document refused"):
        with transaction.atomic():
            Document.objects.filter(pk=issued.pk).update(total=Decimal("1.00"))
    with pytest.raises(DB_ERRORS, match="DELETE on .*ledger_line refused"):
        with transaction.atomic():
            Line.objects.filter(document=issued).delete()
    assert Document.objects.get(pk=issued.pk).total == Decimal("9.40")
    assert Line.objects.filter(document=issued).count() == 2


def test_the_trigger_exists_in_every_commune_schema(clairoix, les_ageux):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_object_schema FROM information_schema.triggers "
            "WHERE trigger_name = 'ledger_document_immutable' AND event_manipulation = 'DELETE'"
        )
        schemas = {row[0] for row in cursor.fetchall()}
    assert {clairoix.schema_name, les_ageux.schema_name} <= schemas
    assert "public" not in schemas


def test_a_total_that_differs_from_its_lines_is_refused_at_commit(cant, blanchard, maxime):
    account = Account.objects.create(household=blanchard.household, service=cant)
    # The check is deferred to the commit; ask for it now, as a commit would.
    with pytest.raises(IntegrityError, match="differs from its"), transaction.atomic():
        _forge_invoice(account, maxime)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert not Document.objects.filter(number="FA2026999999").exists()


def _forge_invoice(account, maxime, total="10.00", lines=(("4.70", 1),)):
    document = Document.objects.create(
        kind="FA",
        number="FA2026999999",
        year=2026,
        sequence=999999,
        account=account,
        issued_at=timezone.now(),
        total=Decimal(total),
        author_name="x",
        idempotency_key="forged",
        invoice_title="x",
    )
    for position, (price, quantity) in enumerate(lines, start=1):
        Line.objects.create(
            document=document,
            position=position,
            child=maxime,
            child_name="BLANCHARD Maxime",
            day=DAY,
            label="Repas",
            unit_price=Decimal(price),
            quantity=quantity,
            amount=Decimal(price) * quantity,
        )
    return document


def test_a_correct_document_passes_the_commit_check(cant, blanchard, maxime):
    """Written by hand, not by the services: the check itself accepts the sum of the
    lines' amounts (4,70 + 2 × 6,20 = 17,10), not of their prices nor a line count."""
    account = Account.objects.create(household=blanchard.household, service=cant)
    document = _forge_invoice(account, maxime, total="17.10", lines=[("4.70", 1), ("6.20", 2)])
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # raises if the check refuses
    assert Document.objects.get(pk=document.pk).total == Decimal("17.10")


def test_a_line_amount_must_be_price_times_quantity(issued, maxime):
    two_meals_at_the_price_of_one = Line(
        document=issued,
        position=9,
        child=maxime,
        child_name="BLANCHARD Maxime",
        day=DAY,
        label="Repas",
        unit_price=Decimal("4.70"),
        quantity=2,
        amount=Decimal("4.70"),
    )
    with pytest.raises(IntegrityError, match="ledger_line_amount_is_price_times_quantity"):
        with transaction.atomic():
            two_meals_at_the_price_of_one.save()
