"""portal's pages of the staff workspace, under /<commune>/gestion/ (flat names, gestion_)."""

from django.urls import path

from portal import gestion_views

urlpatterns = [
    path("", gestion_views.home, name="gestion_home"),
    path("journal/", gestion_views.journal_page, name="gestion_journal"),
]
