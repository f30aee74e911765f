"""booking's pages of the staff workspace, under /<commune>/gestion/.

URL names are flat with a `gestion_` prefix; views extend "gestion/base.html" and check
their permission with portal.roles.staff_permission; the menu entry is registered in
booking/apps.py (portal.gestion.register_menu_entry)."""

from django.urls import path

from booking import mailing_views, new_family_views

urlpatterns = [
    path("familles/nouvelle/", new_family_views.new_family, name="gestion_new_family"),
    path("ecrire/", mailing_views.compose, name="gestion_mailing"),
    path("ecrire/<int:entry_id>/", mailing_views.report, name="gestion_mailing_report"),
]
