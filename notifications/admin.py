from django.contrib import admin

from notifications.models import OutboxEmail


class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "to_email", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "template")
    search_fields = ("to_email", "subject")
    readonly_fields = [f.name for f in OutboxEmail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def register_outbox_admin(site: admin.AdminSite) -> None:
    """The outbox on another admin site (the operators' console) without its model."""
    site.register(OutboxEmail, OutboxEmailAdmin)


register_outbox_admin(admin.site)
