"""portal's pages of the staff workspace, under /<commune>/gestion/ (flat names, gestion_)."""

from django.urls import path

from portal import families_views, gestion_views, health_views, messages_views, quotients_views

urlpatterns = [
    path("", gestion_views.home, name="gestion_home"),
    path("journal/", gestion_views.journal_page, name="gestion_journal"),
    path("familles/", families_views.search, name="gestion_families"),
    path("familles/<int:household_id>/", families_views.household, name="gestion_household"),
    path(
        "familles/<int:household_id>/responsables/ajouter/",
        families_views.guardian_add,
        name="gestion_guardian_add",
    ),
    path(
        "familles/<int:household_id>/acces/<int:guardian_id>/",
        families_views.send_access,
        name="gestion_send_access",
    ),
    path(
        "familles/<int:household_id>/quotient/",
        quotients_views.set_quotient,
        name="gestion_set_quotient",
    ),
    path(
        "familles/quotients/import/",
        quotients_views.import_page,
        name="gestion_quotients_import",
    ),
    path("sante/", health_views.declarations, name="gestion_health"),
    path("sante/<int:declaration_id>/", health_views.review, name="gestion_health_review"),
    path("messages/", messages_views.inbox, name="gestion_messages"),
    path("messages/<int:message_id>/", messages_views.message_detail, name="gestion_message"),
    path("exports/", gestion_views.exports_page, name="gestion_exports"),
    path("exports/familles/", gestion_views.families_export, name="gestion_export_families"),
]
