from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Comptabilité")

    def ready(self):
        from ledger import unpaid_views
        from ledger.reminders import ACTION
        from portal.gestion import register_household_section, register_menu_entry
        from portal.journal import register_action

        register_menu_entry(
            key="unpaid",
            label=_("Impayés"),
            url_name="gestion_unpaid",
            permission="ledger.view_account",
            order=60,
        )
        register_household_section(
            key="reminders",
            title=_("Relances"),
            template="ledger/gestion/household_reminders.html",
            context=unpaid_views.household_section,
            permission="ledger.view_reminder",
            order=70,
        )
        register_action(ACTION, _("Relance d'impayé"))

        from ledger import household_sections

        household_sections.register()

        from portal.menus import register_service_page

        register_service_page("statement", _("Consultation compte"), "ledger:statement", 20)
        register_service_page("documents", _("Consultation factures"), "ledger:documents", 30)
