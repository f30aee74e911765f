"""Single-use links to choose a password.

Django's token hashes the password and last login, so it dies once used; the schema
name is mixed in so that a link from one commune is worthless in another even for the
same user id. Each kind of link has its own lifetime.
"""

from datetime import timedelta

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection
from django.utils.http import base36_to_int


class LimitedTokenGenerator(PasswordResetTokenGenerator):
    def __init__(self, salt: str, lifetime: timedelta):
        super().__init__()
        self.key_salt = salt
        self.lifetime = lifetime

    def _make_hash_value(self, user, timestamp):
        return f"{connection.schema_name}:{super()._make_hash_value(user, timestamp)}"

    def check_token(self, user, token):
        # Django checks the signature and PASSWORD_RESET_TIMEOUT (the longest lifetime);
        # this kind of link may have a shorter one.
        if not super().check_token(user, token):
            return False
        issued_at = base36_to_int(token.split("-")[0])
        return self._num_seconds(self._now()) - issued_at <= self.lifetime.total_seconds()


# An invitation or access e-mail: a week to act on it.
access_token_generator = LimitedTokenGenerator("preau.access", timedelta(days=7))
# "Mot de passe oublié ?": one hour.
reset_token_generator = LimitedTokenGenerator("preau.reset", timedelta(hours=1))
