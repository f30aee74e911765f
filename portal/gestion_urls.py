"""portal's pages of the staff workspace, under /<commune>/gestion/ (flat names, gestion_)."""

from django.urls import path

from portal import gestion_views

urlpatterns = [
    path("", gestion_views.home, name="gestion_home"),
    path("journal/", gestion_views.journal_page, name="gestion_journal"),
    path("exports/", gestion_views.exports_page, name="gestion_exports"),
    path("exports/familles/", gestion_views.families_export, name="gestion_export_families"),
]
