"""The commune's family back office (Django admin at /<commune>/admin/)."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import services
from portal.accounts.services import EmailTaken, check_email_free
from portal.admin_site import SafeAutocompleteMixin
from portal.models import (
    Child,
    ContactDetailsChange,
    ContactMessage,
    Guardian,
    HealthDataAccess,
    Household,
)
from portal.phones import normalize_phone


class ChildInline(admin.TabularInline):
    model = Child
    extra = 0
    fields = ("last_name", "first_name", "birth_date", "school", "class_name")


class GuardianInline(admin.TabularInline):
    model = Guardian
    extra = 0
    fields = ("rank", "civility", "user", "mobile_phone", "work_phone")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # parent accounts are created from "Comptes parents"


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "guardian_count", "child_count")
    search_fields = (
        "name",
        "guardians__user__email",
        "guardians__user__last_name",
        "guardians__user__first_name",
        "children__last_name",
        "children__first_name",
    )
    inlines = [GuardianInline, ChildInline]
    fieldsets = (
        (None, {"fields": ("name",)}),
        (
            _("Adresse"),
            {
                "fields": (
                    ("street_number", "street_name"),
                    "address_complement",
                    ("postal_code", "other_postal_code", "city"),
                    "home_phone",
                )
            },
        ),
        (
            _("Autres personnes à contacter"),
            {
                "fields": (
                    ("other_contact_name", "other_contact_phone"),
                    ("other_contact_2_name", "other_contact_2_phone"),
                )
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                guardian_total=Count("guardians", distinct=True),
                child_total=Count("children", distinct=True),
            )
        )

    @admin.display(description=_("responsables"), ordering="guardian_total")
    def guardian_count(self, obj):
        return obj.guardian_total

    @admin.display(description=_("enfants"), ordering="child_total")
    def child_count(self, obj):
        return obj.child_total


class ParentAccountForm(forms.ModelForm):
    """A guardian and their login in one form; creation sends the access e-mail."""

    email = forms.EmailField(label=_("Adresse e-mail (identifiant)"))
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    first_name = forms.CharField(label=_("Prénom"), max_length=150)

    class Meta:
        model = Guardian
        fields = ("household", "rank", "civility", "mobile_phone", "work_phone", "work_extension")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            user = self.instance.user
            self.initial.update(
                email=user.email, last_name=user.last_name, first_name=user.first_name
            )

    def clean_email(self):
        try:
            return check_email_free(
                self.cleaned_data["email"],
                except_user_id=self.instance.user_id if self.instance.pk else None,
            )
        except EmailTaken as error:
            raise forms.ValidationError(error.messages) from error

    def clean_mobile_phone(self):
        return normalize_phone(self.cleaned_data["mobile_phone"])

    def clean_work_phone(self):
        return normalize_phone(self.cleaned_data["work_phone"])


@admin.register(Guardian)
class GuardianAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    form = ParentAccountForm
    list_display = ("__str__", "email", "household", "rank", "has_password", "last_login")
    list_select_related = ("user", "household")
    search_fields = ("user__email", "user__last_name", "user__first_name", "household__name")
    autocomplete_fields = ("household",)
    actions = ["send_access_email", "send_password_link"]

    @admin.display(description=_("e-mail"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    # Shown when the role may only view: the form's account fields, read from the account.
    @admin.display(description=_("nom"))
    def last_name(self, obj):
        return obj.user.last_name

    @admin.display(description=_("prénom"))
    def first_name(self, obj):
        return obj.user.first_name

    @admin.display(description=_("mot de passe choisi"), boolean=True)
    def has_password(self, obj):
        return obj.user.has_usable_password()

    @admin.display(description=_("dernière connexion"), ordering="user__last_login")
    def last_login(self, obj):
        return obj.user.last_login

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = dict(
            household=data["household"],
            email=data["email"],
            civility=data["civility"],
            last_name=data["last_name"],
            first_name=data["first_name"],
            rank=data["rank"],
            mobile_phone=data["mobile_phone"],
            work_phone=data["work_phone"],
            work_extension=data["work_extension"],
        )
        if change:
            services.update_parent_account(guardian=obj, **fields)
            return
        guardian = services.create_parent_account(**fields)
        obj.pk, obj.user = guardian.pk, guardian.user
        obj._state.adding = False
        messages.info(request, _("L'e-mail d'accès est envoyé à %(email)s.") % data)

    @admin.action(description=_("Envoyer l'e-mail d'accès (lien valable 7 jours)"))
    def send_access_email(self, request, queryset):
        with transaction.atomic():
            for guardian in queryset.select_related("user"):
                services.send_access_email(guardian.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%d e-mail d'accès envoyé.", "%d e-mails d'accès envoyés.", count) % count,
        )

    @admin.action(description=_("Envoyer un lien de nouveau mot de passe"))
    def send_password_link(self, request, queryset):
        with transaction.atomic():
            for guardian in queryset.select_related("user"):
                services.send_password_reset(guardian.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%d lien envoyé.", "%d liens envoyés.", count) % count,
        )


@admin.register(Child)
class ChildAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ("__str__", "household", "birth_date", "school", "class_name")
    list_select_related = ("household",)
    search_fields = ("last_name", "first_name", "household__name")
    autocomplete_fields = ("household",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ContactMessage)
class ContactMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "household", "author", "subject")
    list_select_related = ("household", "author")
    search_fields = ("subject", "body", "household__name")


@admin.register(ContactDetailsChange)
class ContactDetailsChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "household", "author", "summary")
    list_select_related = ("household", "author")
    search_fields = ("household__name",)

    @admin.display(description=_("modifications"))
    def summary(self, obj):
        return "; ".join(f"{c['label']} : {c['old']} → {c['new']}" for c in obj.changes)


@admin.register(HealthDataAccess)
class HealthDataAccessAdmin(ReadOnlyAdmin):
    """Who saw which child's health data, when, on which page (read-only audit)."""

    list_display = ("accessed_at", "viewer_name", "child", "page")
    list_select_related = ("child",)
    search_fields = ("viewer_name", "child__last_name", "child__first_name", "page")
    date_hierarchy = "accessed_at"

    def has_delete_permission(self, request, obj=None):
        return False
