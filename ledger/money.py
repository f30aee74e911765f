"""Money is Decimal euros with 2 places; cents only at the payment boundary."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
THIN_SPACE = "\u202f"  # between thousands, as French typography wants
NO_BREAK_SPACE = "\u00a0"  # keeps "€" on the amount's line


def euros(value) -> Decimal:
    """A Decimal with 2 places. Refuses floats: they cannot hold cents exactly."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, an int or a string.")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_euros(value) -> str:
    """4.7 → '4,70 €', 1234.5 → '1 234,50 €' (narrow no-break space between thousands)."""
    amount = euros(value)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    return f"{sign}{THIN_SPACE.join(groups)},{cents}{NO_BREAK_SPACE}€"


def to_cents(value) -> int:
    return int(euros(value) * 100)
