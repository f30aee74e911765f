from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Django's backend; the manager's natural key already ignores the e-mail's case."""
