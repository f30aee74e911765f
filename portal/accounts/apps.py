from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Utilisateurs et accès")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_finished

        from portal.accounts import middleware, selectors, services, sessions
        from tenants.provisioning import register_administrator_provider
        from tenants.statistics import register_commune_statistic

        # The idle clock starts at login, in the session write the login makes anyway.
        user_logged_in.connect(middleware.start_idle_clock, dispatch_uid="preau-idle-clock")
        request_finished.connect(sessions.forget_companions, dispatch_uid="session-companions")
        register_commune_statistic(
            "active_accounts", _("Comptes actifs"), selectors.count_active_parent_accounts, 20
        )
        register_administrator_provider(
            check_email=services.validate_email_address,
            invite=services.invite_commune_administrator,
        )
