from django.apps import AppConfig


class TipiConfig(AppConfig):
    name = "tipi"
