"""French formats for what parents type: phone numbers and postal codes."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

POSTAL_CODE_RE = re.compile(r"^\d{5}$")


def normalize_phone(value: str) -> str:
    """'0612345678', '+33 6 12 34 56 78' → '06 12 34 56 78'; blank stays blank."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("Numéro de téléphone invalide (exemple : 06 12 34 56 78)."), code="invalid_phone"
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Numéro de téléphone invalide (exemple : 06 12 34 56 78)."), code="invalid_phone"
        )
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_postal_code(value: str) -> str:
    value = (value or "").strip()
    if value and not POSTAL_CODE_RE.match(value):
        raise ValidationError(
            _("Le code postal comporte 5 chiffres (exemple : 60280)."), code="invalid_postal_code"
        )
    return value
