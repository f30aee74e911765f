from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Django's backend; the manager's natural key already ignores the e-mail's case."""


def lockout_username(request, credentials):
    """Count failures per account whatever case the e-mail was typed in (at most the 255
    characters axes' column holds; no address is longer than 254)."""
    # Django's login-failed signal names it "username"; axes' backend, the USERNAME_FIELD.
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("email") or ""
    return username.strip().lower()[:255]
