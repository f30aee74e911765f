from django.apps import AppConfig


class TipiConfig(AppConfig):
    name = "tipi"
    verbose_name = "Paiement par carte (PayFiP)"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from tenants.setup import register_setup_step
        from tipi import setup_checks

        register_setup_step(
            key="payfip",
            label=_("Régie PayFiP et paiement par carte"),
            done=setup_checks.has_payfip_regie,
            path="admin/tipi/regie/",
            order=50,
        )

        from portal.menus import register_service_notice

        # The pending card payment, under each service's menu and on its home card.
        register_service_notice("tipi/service_notice.html")

        from ledger.invoice_actions import register_invoice_action

        # "Payer en ligne" on an unpaid monthly invoice of "Consultation factures".
        register_invoice_action("tipi/pay_invoice_button.html")

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
