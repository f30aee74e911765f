from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from tenants.admin import console_admin_site


class UserAccountAdmin(UserAdmin):
    """Accounts of the schema in use: commune staff and parents, or platform operators."""

    ordering = ("last_name", "first_name", "email")
    list_display = ("email", "last_name", "first_name", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active")
    search_fields = ("email", "last_name", "first_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("last_name", "first_name")}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "password1", "password2")}),)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # A commune's Administrateur gives roles; making a superuser is the operator's.
        return tuple(
            (name, {**options, "fields": [f for f in options["fields"] if f != "is_superuser"]})
            for name, options in fieldsets
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["label"] = _("Rôles")
            kwargs["help_text"] = _("Les droits de chaque rôle sont décrits dans le guide.")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.register(User, UserAccountAdmin)
# The platform operators' accounts, in the public schema's console.
console_admin_site.register(User, UserAccountAdmin)
admin.site.site_header = _("Préau — administration de la commune")
admin.site.site_title = _("Préau")
