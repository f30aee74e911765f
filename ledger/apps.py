from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from portal.menus import register_service_page

        register_service_page("statement", _("Consultation compte"), "ledger:statement", 20)
        register_service_page("documents", _("Consultation factures"), "ledger:documents", 30)
