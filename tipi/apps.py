from django.apps import AppConfig


class TipiConfig(AppConfig):
    name = "tipi"
    verbose_name = "Paiement par carte (PayFiP)"

    def ready(self):
        from portal.gestion import register_dashboard_panel
        from tipi import dashboard, journal

        journal.register_actions()

        register_dashboard_panel(
            key="payments",
            template="tipi/gestion/panel_payments.html",
            context=dashboard.payments_panel,
            permission="tipi.view_paymentoperation",
            order=50,
        )
