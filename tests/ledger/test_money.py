from decimal import Decimal

import pytest

from ledger.money import euros, format_euros, to_cents


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("4.7"), "4,70\u00a0€"),
        (Decimal("18.80"), "18,80\u00a0€"),
        (Decimal("0"), "0,00\u00a0€"),
        (Decimal("1234.5"), "1\u202f234,50\u00a0€"),
        (Decimal("-4.70"), "-4,70\u00a0€"),
        ("0.005", "0,01\u00a0€"),
    ],
)
def test_amounts_are_shown_the_french_way(value, shown):
    assert format_euros(value) == shown


def test_floats_are_refused():
    with pytest.raises(TypeError):
        euros(4.7)


def test_cents_for_the_payment_boundary():
    assert to_cents(Decimal("14.10")) == 1410
    assert to_cents("0.29") == 29
