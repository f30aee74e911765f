from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Comptes"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from portal.accounts import selectors
        from tenants.statistics import register_commune_statistic

        register_commune_statistic(
            "active_accounts", _("Comptes actifs"), selectors.count_active_parent_accounts, 20
        )
