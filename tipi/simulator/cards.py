"""Test cards: 4111 1111 1111 1111 is accepted, 4000 0000 0000 0002 refused; any other
number must pass Luhn and a future expiry to be accepted."""

import datetime
import re

ACCEPTED = "4111111111111111"
REFUSED = "4000000000000002"


def luhn_ok(number: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def judge(number: str, month: str, year: str, cvv: str, today: datetime.date):
    """(errors by field, resultrans or None)."""
    errors = {}
    digits = re.sub(r"[\s-]", "", number or "")
    if not re.fullmatch(r"[0-9]{13,19}", digits) or not luhn_ok(digits):
        errors["numero"] = "Numéro de carte invalide."
    try:
        month_value, year_value = int(month), int(year)
    except (TypeError, ValueError):
        errors["expiration"] = "Date d'expiration invalide."
    else:
        # A card is valid until the end of its expiry month.
        if not 1 <= month_value <= 12 or (year_value, month_value) < (today.year, today.month):
            errors["expiration"] = "Carte expirée ou date d'expiration invalide."
    if not re.fullmatch(r"[0-9]{3,4}", cvv or ""):
        errors["cvv"] = "Le cryptogramme visuel comporte 3 chiffres (au dos de la carte)."
    if errors:
        return errors, None
    return {}, "R" if digits == REFUSED else "P"
