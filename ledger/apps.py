from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"

    def ready(self):

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
        from django.utils.translation import gettext_lazy as _

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
