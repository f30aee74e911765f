"""django-axes (failed logins, portal/accounts/lockout.py) under a French name; in its own
module so that portal/accounts/apps.py keeps a single AppConfig (Django's discovery)."""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("Sécurité des connexions")
