from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MaximumLengthValidator:
    """A ceiling far above any pass phrase, only to bound hashing work."""

    def __init__(self, max_length=128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "Ce mot de passe est trop long : %(max)d caractère au maximum.",
                    "Ce mot de passe est trop long : %(max)d caractères au maximum.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max": self.max_length},
            )

    def get_help_text(self):
        return _("Votre mot de passe doit contenir au plus %(max)d caractères.") % {
            "max": self.max_length
        }
