"""Writes on user accounts."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from portal import roles
from portal.accounts.tokens import access_token_generator
from tenants.links import commune_url


class InvalidEmailAddress(ValidationError):
    """Not an e-mail address; names no form field (each form maps it to its own)."""


def validate_email_address(email: str) -> str:
    """`email` stripped, or InvalidEmailAddress."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as error:
        raise InvalidEmailAddress(
            _("Saisissez une adresse e-mail valide."), code="invalid"
        ) from error
    return email


class EmailTaken(ValidationError):
    """Another account already logs in with this address; names no form field."""


def email_taken(email: str, *, except_user_id: int | None = None) -> bool:
    """An account other than `except_user_id` logs in with `email` (any case)."""
    others = get_user_model().objects.filter(email__iexact=(email or "").strip())
    if except_user_id is not None:
        others = others.exclude(pk=except_user_id)
    return others.exists()


def check_email_free(email: str, *, except_user_id: int | None = None) -> str:
    """`email` stripped, or EmailTaken: the one uniqueness check of every account write."""
    if email_taken(email, except_user_id=except_user_id):
        raise EmailTaken(_("Cette adresse e-mail est déjà utilisée."), code="taken")
    return (email or "").strip()


@transaction.atomic
def create_commune_administrator(*, email: str):
    """The commune's first staff account, in the Administrateur role (call in the commune's
    schema, once migrated); the password is chosen through the invitation."""
    User = get_user_model()
    user = User.objects.create_user(email=validate_email_address(email), is_staff=True)
    roles.give_role(user, roles.ADMINISTRATEUR)
    return user


def invite_commune_administrator(commune, *, email: str) -> str:
    """Provisioning (tenants.provisioning): the first administrator of `commune`, in its
    schema; returns the link of their invitation."""
    administrator = create_commune_administrator(email=email)
    return password_setup_url(commune, administrator)


def password_setup_url(commune, user, *, generator=access_token_generator) -> str:
    """Absolute single-use link where `user` chooses a password (call in the commune's schema)."""
    return commune_url(
        commune,
        "portal:password_setup",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": generator.make_token(user),
        },
    )
