from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Django's backend; the manager's natural key already ignores the e-mail's case."""


def lockout_username(request, credentials):
    """Count failures per account whatever case the e-mail was typed in."""
    return ((credentials or {}).get("username") or "").strip().lower()
