"""The commune's Django admin site (/<commune>/admin/): a staff account with no role sees
only the page that says to ask the administrator."""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError

# Models that run the platform rather than the service: only superusers (operators) see
# them; a commune's Administrateur works with roles, families, prices and payments.
TECHNICAL_APPS = {"axes", "sessions", "django_celery_beat", "django_celery_results"}
TECHNICAL_MODELS = {"auth.group", "notifications.outboxemail", "ledger.numbercounter"}


def is_technical(model) -> bool:
    opts = model._meta
    return opts.app_label in TECHNICAL_APPS or opts.label_lower in TECHNICAL_MODELS


class SuperuserOnlyAdminMixin:
    """Every right of a technical model's admin page is the superuser's alone."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class CommuneAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable
        for model in models:
            model_admin = admin_class or admin.ModelAdmin
            if is_technical(model) and not issubclass(model_admin, SuperuserOnlyAdminMixin):
                model_admin = type(model_admin.__name__, (SuperuserOnlyAdminMixin, model_admin), {})
            super().register(model, model_admin, **options)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            # Not at module level: INSTALLED_APPS loads this module before the models, and
            # portal.roles needs them (django.contrib.auth.views).
            from portal import roles

            if (
                self.has_permission(request)
                and view != self.logout
                and not roles.has_staff_role(request.user)
            ):
                return roles.no_role_response(request)
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)


class CommuneAdminConfig(AdminConfig):
    """django.contrib.admin with CommuneAdminSite as `admin.site`."""

    default_site = "portal.admin_site.CommuneAdminSite"


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget re-rendered with a posted value that is not an id
    ("abc") filters the database with it and fails; such a value shows as no choice (the
    field's own message says what is wrong)."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(remote.field_name)
        valid = []
        for item in value:
            try:
                target.run_validators(target.to_python(item))
            except (ValidationError, TypeError, ValueError):
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class SafeAutocompleteMixin:
    """For a ModelAdmin with autocomplete_fields."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
