"""booking's pages of the staff workspace, under /<commune>/gestion/.

URL names are flat with a `gestion_` prefix; views extend "gestion/base.html" and check
their permission with portal.roles.staff_permission; the menu entry is registered in
booking/apps.py (portal.gestion.register_menu_entry). The kitchen list itself keeps its
historical name `booking:kitchen` (gestion/cuisine/, booking/urls.py)."""

from django.urls import path

from booking import exports_views, kitchen_views

urlpatterns = [
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
