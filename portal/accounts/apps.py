from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def last_login_update() -> str:
    """The statement a login sends (django.contrib.auth's update_last_login), as Django
    compiles it for the execute wrappers: `UPDATE … SET "last_login" = %s WHERE … = %s`."""
    from django.contrib.auth import get_user_model
    from django.db.models.sql import UpdateQuery
    from django.utils import timezone

    query = UpdateQuery(get_user_model())
    query.add_update_values({"last_login": timezone.now()})
    query.add_filter("pk", 0)
    return query.get_compiler("default").as_sql()[0]


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Utilisateurs et accès")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_finished

        from portal.accounts import middleware, selectors, services, sessions
        from tenants import page_cache
        from tenants.provisioning import register_administrator_provider
        from tenants.statistics import register_commune_statistic

        # The idle clock starts at login, in the session write the login makes anyway.
        user_logged_in.connect(middleware.start_idle_clock, dispatch_uid="preau-idle-clock")
        request_finished.connect(sessions.forget_companions, dispatch_uid="session-companions")
        # A login writes its time on the user, shown on no parent's page: the pages stored for
        # the commune's families stay valid (before, every login made them all stale).
        page_cache.ignore_statement(last_login_update())
        register_commune_statistic(
            "active_accounts", _("Comptes actifs"), selectors.count_active_parent_accounts, 20
        )
        register_administrator_provider(
            check_email=services.validate_email_address,
            invite=services.invite_commune_administrator,
        )
