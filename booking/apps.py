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
        from booking import home
        from portal.home import register_home_panel
        from portal.menus import register_reservations_page, register_service_page

        register_home_panel("booking_services", "booking/home_panel.html", home.home_summaries, 20)
        register_reservations_page("booking:services")
        register_service_page("planning", _("Réservation"), "booking:planning", 10)
