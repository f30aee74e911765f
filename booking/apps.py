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

        register_home_panel("booking_services", "booking/home_panel.html", home.home_summaries, 20)

        from booking import dashboard, journal

        journal.register_actions()
        from portal.gestion import register_dashboard_panel, register_menu_entry

        register_menu_entry(
            key="kitchen",
            label=_("Cuisine"),
            url_name="booking:kitchen",
            permission="booking.view_kitchen_list",
            order=20,
        )
        register_dashboard_panel(
            key="next_day",
            template="booking/gestion/panel_next_day.html",
            context=dashboard.next_day_panel,
            permission="booking.view_reservation",
            order=10,
        )
        register_dashboard_panel(
            key="month_meals",
            template="booking/gestion/panel_month.html",
            context=dashboard.month_panel,
            permission="booking.view_reservation",
            order=20,
        )
        from portal.exports import register_export

        register_export(
            key="reservations",
            label=_("Réservations"),
            description=_(
                "Chaque repas réservé (ou en attente de paiement) de la période : enfant, "
                "foyer, site, repas, tarif, commande."
            ),
            url_name="gestion_export_reservations",
            permission="booking.view_reservation",
            order=20,
        )
        register_export(
            key="kitchen",
            label=_("Effectifs cuisine"),
            description=_("Le nombre d'enfants par jour, site et repas sur la période."),
            url_name="gestion_export_kitchen",
            permission="booking.view_kitchen_list",
            order=30,
        )
