from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Familles"

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.utils.translation import gettext_lazy as _

        from portal import quotients, roles, selectors
        from portal.journal import register_action

        register_action(quotients.SET_ACTION, _("Quotient familial saisi"))
        register_action(quotients.IMPORT_ACTION, _("Quotients familiaux importés"))
        from tenants.statistics import register_commune_statistic

        # Role groups follow portal/roles.py in every commune schema after each migrate.
        post_migrate.connect(roles.sync_roles_after_migrate, sender=self)

        register_commune_statistic("households", _("Familles"), selectors.count_households, 10)
        selectors.read_guardians_with_sessions()

        from tenants.setup import register_setup_step

        register_setup_step(
            key="families",
            label=_("Premières familles"),
            done=lambda: selectors.count_households() > 0,
            path="gestion/familles/nouvelle/",
            order=60,
        )

        from portal import dashboard
        from portal.gestion import register_dashboard_panel, register_menu_entry

        register_menu_entry(
            key="home",
            label=_("Tableau de bord"),
            url_name="gestion_home",
            permission="portal.view_household",
            order=0,
        )
        register_menu_entry(
            key="families",
            label=_("Familles"),
            url_name="gestion_families",
            permission="portal.view_household",
            order=22,
        )
        register_menu_entry(
            key="health",
            label=_("Régimes et allergies"),
            url_name="gestion_health",
            permission="portal.validate_health_data",
            order=25,
        )
        register_menu_entry(
            key="messages",
            label=_("Messages"),
            url_name="gestion_messages",
            permission="portal.view_contactmessage",
            order=30,
        )
        # The household page's own sections, and the action codes of families and messages.
        from portal import families, household_sections, messages  # noqa: F401

        household_sections.register()

        register_menu_entry(
            key="exports",
            label=_("Exports"),
            url_name="gestion_exports",
            permission="portal.view_household",
            order=80,
        )
        from portal.exports import register_export

        register_export(
            key="families",
            label=_("Familles"),
            description=_(
                "Chaque foyer : adresse, responsables (adresse mail, portable), enfants."
            ),
            url_name="gestion_export_families",
            permission="portal.view_household",
            order=10,
            period=False,
        )
        register_menu_entry(
            key="journal",
            label=_("Journal"),
            url_name="gestion_journal",
            permission="portal.view_journalentry",
            order=90,
        )
        register_menu_entry(
            key="admin",
            label=_("Paramètres (administration)"),
            url_name="admin:index",
            permission="booking.change_service",
            order=100,
        )
        register_dashboard_panel(
            key="messages",
            template="portal/gestion/panel_messages.html",
            context=dashboard.messages_panel,
            permission="portal.view_contactmessage",
            order=60,
        )
        register_dashboard_panel(
            key="emails",
            template="portal/gestion/panel_emails.html",
            context=dashboard.emails_panel,
            permission="portal.view_household",
            order=70,
        )
