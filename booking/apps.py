from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Réservations"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.utils.translation import gettext_lazy as _

        from booking.selectors.rules_cache import install_rules_watch

        # Every connection's writes to the rules' tables refresh every node's copy of them.
        connection_created.connect(install_rules_watch, dispatch_uid="service-rules-writes")

        from booking import selectors
        from booking.selectors.recap import read_awaiting_with_sessions
        from tenants.statistics import register_commune_statistic

        read_awaiting_with_sessions()

        register_commune_statistic(
            "reservations_month",
            _("Réservations ce mois"),
            selectors.count_reservations_this_month,
            30,
        )
        from booking import setup_checks
        from tenants.setup import register_setup_step

        steps = [
            ("service", _("Service créé"), setup_checks.has_service, "service/"),
            ("prices", _("Tarifs des repas"), setup_checks.has_prices, "mealkind/"),
            ("sites", _("Sites et places"), setup_checks.has_sites, "site/"),
            ("school_year", _("Année scolaire"), setup_checks.has_school_year, None),
        ]
        for order, (key, label, done, page) in enumerate(steps, start=1):
            path = f"admin/booking/{page}" if page else "gestion/annee-scolaire/"
            register_setup_step(key=key, label=label, done=done, path=path, order=order * 10)

        from booking import home
        from portal.home import register_home_panel
        from portal.menus import register_reservations_page, register_service_page

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
        register_menu_entry(
            key="attendance",
            label=_("Pointage"),
            url_name="gestion_attendance",
            permission="booking.record_attendance",
            order=25,
        )
        register_menu_entry(
            key="invoicing",
            label=_("Facturation"),
            url_name="gestion_invoicing",
            permission="ledger.issue_invoice_batch",
            order=45,
        )
        register_menu_entry(
            key="mailing",
            label=_("Écrire aux familles"),
            url_name="gestion_mailing",
            permission="portal.write_to_families",
            order=40,
        )
        from booking import household_sections, mailing  # noqa: F401

        household_sections.register()
        register_menu_entry(
            key="waiting",
            label=_("Liste d'attente"),
            url_name="gestion_waiting",
            permission="booking.view_kitchen_list",
            order=22,
        )
        register_menu_entry(
            key="closures",
            label=_("Fermetures"),
            url_name="gestion_closures",
            permission="booking.view_closure",
            order=35,
        )
        register_menu_entry(
            key="school_year",
            label=_("Année scolaire"),
            url_name="gestion_school_year",
            permission="booking.view_schoolyear",
            order=80,
        )

        from booking import school_year
        from portal.journal import register_action

        register_action(school_year.PREPARE_ACTION, _("Année scolaire préparée"))
        register_action(school_year.OPEN_ACTION, _("Année scolaire ouverte"))
        register_reservations_page("booking:services")
        register_service_page("planning", _("Réservation"), "booking:planning", 10)
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
