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
