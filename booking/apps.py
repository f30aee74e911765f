from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Réservations"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from booking import selectors
        from tenants.statistics import register_commune_statistic

        register_commune_statistic(
            "reservations_month",
            _("Réservations ce mois"),
            selectors.count_reservations_this_month,
            30,
        )
