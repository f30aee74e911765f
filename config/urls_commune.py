"""A commune's routes. The routing middleware mounts them under /<commune>/."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("portal.urls")),
    path("", include("booking.urls")),
    path("", include("ledger.urls")),
    path("", include("tipi.urls")),
    # The staff workspace: each app's pages, flat URL names with a gestion_ prefix.
    path("gestion/", include("portal.gestion_urls")),
    path("gestion/", include("booking.gestion_urls")),
    path("gestion/", include("ledger.gestion_urls")),
    path("gestion/", include("tipi.gestion_urls")),
]

handler404 = "tenants.views.page_not_found"
