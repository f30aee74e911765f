"""Platform routes, in the public schema: landing page, operator console, health."""

from django.conf import settings
from django.urls import include, path

from tenants import views as tenant_views
from tenants.admin import console_admin_site

urlpatterns = [
    path("", tenant_views.landing, name="landing"),
    path("healthz", tenant_views.healthz, name="healthz"),
    path("console/admin/", console_admin_site.urls),
    path("console/", include("tenants.console_urls")),
]

if settings.PAYFIP_SIMULATOR_ENABLED:
    # The local Treasury (reserved segment in tenants/slugs.py); never Préau's database.
    urlpatterns.append(path("simulateur-payfip/", include("tipi.simulator.urls")))

handler404 = "tenants.views.page_not_found"
