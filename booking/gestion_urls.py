"""booking's pages of the staff workspace, under /<commune>/gestion/.

URL names are flat with a `gestion_` prefix; views extend "gestion/base.html" and check
their permission with portal.roles.staff_permission; the menu entry is registered in
booking/apps.py (portal.gestion.register_menu_entry). The kitchen list itself keeps its
historical name `booking:kitchen` (gestion/cuisine/, booking/urls.py)."""

from django.urls import path

from booking import (
    attendance_views,
    closures_views,
    exports_views,
    invoicing_views,
    kitchen_views,
    mailing_views,
    new_family_views,
    school_year_views,
    waiting_views,
)

urlpatterns = [
    path("facturation/", invoicing_views.invoicing_page, name="gestion_invoicing"),
    path("pointage/", attendance_views.register, name="gestion_attendance"),
    path("pointage/pointer/", attendance_views.tap, name="gestion_attendance_tap"),
    path("pointage/recherche/", attendance_views.search, name="gestion_attendance_search"),
    path("pointage/clore/", attendance_views.close, name="gestion_attendance_close"),
    path(
        "pointage/justifier/<int:child_id>/",
        attendance_views.staff_justify,
        name="gestion_attendance_justify",
    ),
    path(
        "pointage/justificatifs/<int:file_id>/",
        attendance_views.staff_file,
        name="gestion_attendance_file",
    ),
    path("liste-attente/", waiting_views.waiting_page, name="gestion_waiting"),
    path("liste-attente/retirer/", waiting_views.waiting_remove, name="gestion_waiting_remove"),
    path("familles/nouvelle/", new_family_views.new_family, name="gestion_new_family"),
    path("ecrire/", mailing_views.compose, name="gestion_mailing"),
    path("ecrire/<int:entry_id>/", mailing_views.report, name="gestion_mailing_report"),
    path("fermetures/", closures_views.closure_list, name="gestion_closures"),
    path("fermetures/declarer/", closures_views.closure_add, name="gestion_closure_add"),
    path("annee-scolaire/", school_year_views.school_year_page, name="gestion_school_year"),
    path(
        "annee-scolaire/preparer/",
        school_year_views.school_year_action,
        name="gestion_school_year_action",
    ),
    path("cuisine/semaine/", kitchen_views.kitchen_week, name="gestion_kitchen_week"),
    path(
        "exports/effectifs-cuisine/",
        kitchen_views.kitchen_counts_export,
        name="gestion_export_kitchen",
    ),
    path(
        "exports/reservations/",
        exports_views.reservations_export,
        name="gestion_export_reservations",
    ),
]
