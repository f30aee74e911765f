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
        from ledger import payers_views

        register_household_section(
            key="payers",
            title=_("Payeur par service"),
            template="ledger/gestion/sections/payers.html",
            context=payers_views.household_section,
            permission="ledger.view_account",
            order=45,
        )

        from ledger import household_sections

        household_sections.register()

        from portal.menus import register_service_page

        register_service_page("statement", _("Consultation compte"), "ledger:statement", 20)
        register_service_page("documents", _("Consultation factures"), "ledger:documents", 30)

        from ledger import dashboard
        from portal.gestion import register_dashboard_panel

        register_dashboard_panel(
            key="money",
            template="ledger/gestion/panel_money.html",
            context=dashboard.money_panel,
            permission="ledger.view_document",
            order=40,
        )
        register_dashboard_panel(
            key="debit",
            template="ledger/gestion/panel_debit.html",
            context=dashboard.debit_panel,
            permission="ledger.view_account",
            order=30,
        )
        from portal.exports import register_export

        register_export(
            key="documents",
            label=_("Factures et avoirs"),
            description=_(
                "Les factures et avoirs émis sur la période, une ligne par repas facturé ou "
                "crédité, avec le total de chaque pièce."
            ),
            url_name="gestion_export_documents",
            permission="ledger.export_ledger",
            order=40,
        )
        register_export(
            key="payments",
            label=_("Règlements par mode"),
            description=_(
                "Les règlements reçus sur la période (carte, espèces, chèque, virement)."
            ),
            url_name="gestion_export_payments",
            permission="ledger.export_ledger",
            order=50,
        )
