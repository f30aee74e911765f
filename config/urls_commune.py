"""A commune's routes. The routing middleware mounts them under /<commune>/."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("portal.urls")),
    path("", include("booking.urls")),
    path("", include("ledger.urls")),
    path("", include("tipi.urls")),
]

handler404 = "tenants.views.page_not_found"
