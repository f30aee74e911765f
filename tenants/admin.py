"""The operators' Django admin at /console/admin/ (public schema)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.admin import register_outbox_admin
from tenants.models import Commune


class ConsoleAdminSite(admin.AdminSite):
    site_header = _("Préau — console de la plateforme")
    site_title = _("Console Préau")
    index_title = _("Administration de la plateforme")


console_admin_site = ConsoleAdminSite(name="console_admin")


class CommuneAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "schema_name", "contact_email", "is_active", "created_at")
    search_fields = ("name", "slug")
    readonly_fields = ("schema_name", "slug", "created_at")

    def has_add_permission(self, request):
        # Creation provisions a schema: it goes through the console's form and service.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


console_admin_site.register(Commune, CommuneAdmin)
register_outbox_admin(console_admin_site)
# The operators' own accounts are registered by portal.accounts.admin (portal sits above
# tenants: tenants never imports it).
