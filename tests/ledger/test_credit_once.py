"""Issue 10, item 6: an invoice line is credited at most once, by the service under the
counter's lock and by the database whatever code runs."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, transaction
from django.utils import timezone

from ledger import selectors, services
from ledger.models import Document, Line
from tests.ledger.factories import credit_note, invoice, meal

DAY = datetime.date(2026, 3, 2)
DB_ERRORS = (IntegrityError, InternalError)


def crediting(line, **changes):
    values = {
        "child_id": line.child_id,
        "child_name": line.child_name,
        "day": line.day,
        "label": line.label,
        "unit_price": line.unit_price,
        "quantity": line.quantity,
        "credits_line_id": line.pk,
        **changes,
    }
    return services.DocumentLine(**values)


@pytest.fixture
def fa(cant, blanchard, maxime):
    return invoice(blanchard, [meal(maxime, DAY), meal(maxime, DAY + datetime.timedelta(1))])


def test_a_line_is_credited_once_whatever_the_credit_note(fa, blanchard):
    first, second = fa.lines.order_by("position")
    av = credit_note(blanchard, [crediting(first)], cancels=fa)
    assert av.lines.get().credits_id == first.pk
    with pytest.raises(ValidationError, match="déjà été crédité"):
        credit_note(blanchard, [crediting(first)], cancels=fa)
    with pytest.raises(ValidationError, match="déjà été crédité"):
        credit_note(blanchard, [crediting(second), crediting(first)])  # another path, no cancels
    # The refused credit notes took no number and no money.
    assert list(Document.objects.filter(kind="AV").values_list("number", flat=True)) == [av.number]
    assert selectors.balance(blanchard.household, "cant") == Decimal("-4.70")
    nxt = credit_note(blanchard, [crediting(second)])
    assert nxt.sequence == av.sequence + 1


def test_one_credit_note_cannot_credit_a_line_twice_or_change_its_amount(fa, blanchard):
    first = fa.lines.order_by("position").first()
    with pytest.raises(ValidationError, match="qu'une fois"):
        credit_note(blanchard, [crediting(first), crediting(first)])
    with pytest.raises(ValidationError, match="tarif"):
        credit_note(blanchard, [crediting(first, unit_price=Decimal("9.90"))])
    assert not Document.objects.filter(kind="AV").exists()


def test_a_line_of_another_account_or_invoice_is_refused(fa, blanchard, dupont, maxime):
    zoe = dupont.household.children.get()
    theirs = invoice(dupont, [meal(zoe, DAY)]).lines.get()
    with pytest.raises(ValidationError):
        credit_note(blanchard, [crediting(theirs, child_id=maxime.pk)])
    other = invoice(blanchard, [meal(maxime, DAY)])
    with pytest.raises(ValidationError, match="ligne de facture"):
        credit_note(blanchard, [crediting(other.lines.get())], cancels=fa)
    assert not Document.objects.filter(kind="AV").exists()


def test_the_database_refuses_a_second_credit_of_a_line(fa, blanchard):
    first = fa.lines.order_by("position").first()
    av = credit_note(blanchard, [crediting(first)], cancels=fa)
    # Bypass the service: a raw second credit note and line for the same invoice line.
    with pytest.raises(DB_ERRORS), transaction.atomic():
        rogue = Document.objects.create(
            kind="AV",
            number="AV2099000001",
            year=2099,
            sequence=1,
            account=av.account,
            issued_at=timezone.now(),
            total=first.amount,
            author_name="x",
            idempotency_key="rogue",
            invoice_title="x",
        )
        Line.objects.create(
            document=rogue,
            position=1,
            child_id=first.child_id,
            child_name=first.child_name,
            day=first.day,
            label=first.label,
            unit_price=first.unit_price,
            amount=first.amount,
            credits=first,
        )


@pytest.mark.parametrize("target", ["credit_note_line", "other_price"])
def test_the_database_checks_what_a_credit_line_points_at(fa, blanchard, target):
    first, second = fa.lines.order_by("position")
    av = credit_note(blanchard, [crediting(first)], cancels=fa)
    pointed = av.lines.get() if target == "credit_note_line" else second
    with pytest.raises(DB_ERRORS, match="cannot credit"), transaction.atomic():
        rogue = Document.objects.create(
            kind="AV",
            number="AV2099000002",
            year=2099,
            sequence=2,
            account=av.account,
            issued_at=timezone.now(),
            total=Decimal("1.00"),
            author_name="x",
            idempotency_key="rogue-2",
            invoice_title="x",
        )
        Line.objects.create(
            document=rogue,
            position=1,
            child_id=first.child_id,
            child_name=first.child_name,
            day=first.day,
            label=first.label,
            unit_price=Decimal("1.00"),
            amount=Decimal("1.00"),
            credits=pointed,
        )


def test_invoiced_lines_say_which_credit_note_credited_them(fa, blanchard):
    first = fa.lines.order_by("position").first()
    av = credit_note(blanchard, [crediting(first)], cancels=fa)
    lines = selectors.invoiced_lines(household=blanchard.household, service_code="cant")
    assert [(line.pk, line.credited_by) for line in lines] == [
        (first.pk, av.number),
        (fa.lines.order_by("position").last().pk, None),
    ]
