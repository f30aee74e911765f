from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Familles"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from portal import selectors
        from tenants.statistics import register_commune_statistic

        register_commune_statistic("households", _("Familles"), selectors.count_households, 10)
