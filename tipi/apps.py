from django.apps import AppConfig


class TipiConfig(AppConfig):
    name = "tipi"
    verbose_name = "Paiement par carte (PayFiP)"
