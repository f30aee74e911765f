from django.apps import AppConfig


class TipiConfig(AppConfig):
    name = "tipi"
    verbose_name = "Paiement par carte (PayFiP)"

    def ready(self):
        from portal.menus import register_service_notice

        # The pending card payment, under each service's menu and on its home card.
        register_service_notice("tipi/service_notice.html")
