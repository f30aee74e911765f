"""The commune's booking back office: services, meals and prices, sites, calendar, deadlines."""

from django import forms
from django.contrib import admin
from django.db import models
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from booking import admin_views, prices, services
from booking.models import (
    WEEKDAY_CHOICES,
    Closure,
    DeadlineRule,
    Enrolment,
    ExceptionalDay,
    MealKind,
    OpenMonth,
    Order,
    OrderLine,
    PlanningGroup,
    Price,
    PriceBracket,
    Reservation,
    SchoolYear,
    Service,
    Site,
    SiteDay,
)
from ledger.money import EurosReadonlyMixin, MoneyField, format_euros
from portal.admin_site import SafeAutocompleteMixin

# Every euro typed in this back office goes through the one money field ("4,90" or "4.90").
MONEY_INPUTS = {models.DecimalField: {"form_class": MoneyField}}


class MealKindInline(admin.TabularInline):
    model = MealKind
    extra = 0


class DeadlineInline(admin.TabularInline):
    model = DeadlineRule
    extra = 0
    max_num = 2


class OpenMonthInline(admin.TabularInline):
    model = OpenMonth
    extra = 1


@admin.register(Service)
class ServiceAdmin(EurosReadonlyMixin, admin.ModelAdmin):
    list_display = ("name", "code", "price_ceiling_display", "is_active", "kitchen_link")
    inlines = [MealKindInline, DeadlineInline, OpenMonthInline]
    formfield_overrides = MONEY_INPUTS

    @admin.display(description=_("tarif maximal"), ordering="price_ceiling")
    def price_ceiling_display(self, obj):
        return format_euros(obj.price_ceiling)

    def save_model(self, request, obj, form, change):
        services.save_service(obj)

    @admin.display(description=_("liste cuisine"))
    def kitchen_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("booking:kitchen"), _("Repas du jour"))


class PriceInline(EurosReadonlyMixin, admin.TabularInline):
    model = Price
    extra = 1
    show_change_link = True  # the price's page holds its quotient familial grid
    formfield_overrides = MONEY_INPUTS


class BracketFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        brackets = [
            (form.cleaned_data.get("qf_max"), form.cleaned_data.get("amount"))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        errors = prices.bracket_errors(
            brackets, ceiling=self.instance.meal_kind.service.price_ceiling
        )
        if errors:
            raise forms.ValidationError(errors)


class PriceBracketInline(EurosReadonlyMixin, admin.TabularInline):
    model = PriceBracket
    formset = BracketFormSet
    extra = 3
    formfield_overrides = MONEY_INPUTS


@admin.register(Price)
class PriceAdmin(EurosReadonlyMixin, admin.ModelAdmin):
    """A price's quotient familial grid ("Tarif QF 1", "Tarif QF 2"... in QF order)."""

    list_display = ("meal_kind", "valid_from", "valid_until", "amount_display", "qf_grid")
    readonly_fields = ("meal_kind", "amount", "valid_from", "valid_until", "qf_grid")
    inlines = [PriceBracketInline]

    @admin.display(description=_("tarif (€)"), ordering="amount")
    def amount_display(self, obj):
        return format_euros(obj.amount)

    @admin.display(description=_("grille QF"))
    def qf_grid(self, obj):
        brackets = [(b.qf_max, b.amount) for b in obj.brackets.all()]
        if not brackets:
            return _("aucune (tarif unique)")
        if prices.is_cantine_a_1_euro(brackets):
            return _("%d tranches — « Cantine à 1 € »") % len(brackets)
        return _(
            "%d tranches — ne remplit pas « Cantine à 1 € » "
            "(3 tranches, la plus basse à 1,00 € au plus)"
        ) % len(brackets)

    def has_add_permission(self, request):
        return False

    def save_formset(self, request, form, formset, change):
        if formset.model is PriceBracket:
            prices.save_bracket_formset(formset=formset, actor=request.user)
        else:
            super().save_formset(request, form, formset, change)


@admin.register(MealKind)
class MealKindAdmin(EurosReadonlyMixin, admin.ModelAdmin):
    list_display = ("name", "service", "is_exceptional")
    inlines = [PriceInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is Price:
            prices.save_price_formset(formset=formset, actor=request.user)
        else:
            super().save_formset(request, form, formset, change)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "default_capacity")


@admin.register(SiteDay)
class SiteDayAdmin(admin.ModelAdmin):
    list_display = ("site", "day", "capacity")
    list_filter = ("site",)
    date_hierarchy = "day"


class PlanningGroupForm(forms.ModelForm):
    # Ticked days, not a typed list: Django's array field fails on a typed "%" (500).
    weekdays = forms.TypedMultipleChoiceField(
        label=_("jours de repas"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PlanningGroup
        fields = ("name", "weekdays")


@admin.register(PlanningGroup)
class PlanningGroupAdmin(admin.ModelAdmin):
    form = PlanningGroupForm
    list_display = ("name", "weekdays")


@admin.register(Enrolment)
class EnrolmentAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ("child", "service", "site", "planning_group", "book_link")
    list_filter = ("service", "site", "planning_group")
    list_select_related = ("child__household", "service", "site", "planning_group")
    search_fields = ("child__last_name", "child__first_name", "child__household__name")
    autocomplete_fields = ("child",)

    @admin.display(description=_("réserver pour la famille"))
    def book_link(self, obj):
        url = reverse(
            "booking:agent_planning",
            kwargs={"household_id": obj.child.household_id, "service_code": obj.service.code},
        )
        return format_html('<a href="{}">{}</a>', url, _("Planning"))


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ("__str__", "first_day", "last_day", "zone")


@admin.register(Closure)
class ClosureAdmin(EurosReadonlyMixin, admin.ModelAdmin):
    """Adding a closure goes through a preview (reservations, families, euros) and then
    booking.closures.close_day; deleting one re-opens the day and re-books nothing."""

    list_display = (
        "day",
        "service",
        "site_display",
        "reason",
        "cancelled_reservations",
        "credited_display",
        "closed_by",
        "closed_at",
    )
    list_filter = ("service",)
    list_select_related = ("service", "site", "closed_by")
    readonly_fields = [
        "service",
        "site",
        "day",
        "reason",
        "closed_by",
        "closed_at",
        "cancelled_reservations",
        "credited_amount",
    ]

    @admin.display(description=_("montant crédité"), ordering="credited_amount")
    def credited_display(self, obj):
        return format_euros(obj.credited_amount)

    @admin.display(description=_("site"), ordering="site__name")
    def site_display(self, obj):
        return obj.site.name if obj.site else _("Tous les sites")

    def has_change_permission(self, request, obj=None):
        return False  # a closure's consequences are issued: delete it to re-open the day

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.closure_add(self, request)


@admin.register(ExceptionalDay)
class ExceptionalDayAdmin(admin.ModelAdmin):
    list_display = ("day", "meal_kind", "label")


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("child", "meal_kind", "day", "action", "unit_price_display")
    readonly_fields = fields

    @admin.display(description=_("tarif"))
    def unit_price_display(self, obj):
        return format_euros(obj.unit_price)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(EurosReadonlyMixin, admin.ModelAdmin):
    list_display = ("reference", "household", "service", "status", "created_by", "created_at")
    list_filter = ("status", "service")
    list_select_related = ("household", "service", "created_by")
    search_fields = ("household__name",)
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [OrderLineInline]

    def has_add_permission(self, request):
        return False


@admin.register(Reservation)
class ReservationAdmin(EurosReadonlyMixin, admin.ModelAdmin):
    list_display = ("day", "child", "meal_kind", "site", "status", "unit_price_display")
    list_filter = ("status", "site", "meal_kind")
    list_select_related = ("child", "meal_kind", "site")
    date_hierarchy = "day"
    search_fields = ("child__last_name", "child__first_name")
    readonly_fields = [f.name for f in Reservation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("tarif"), ordering="unit_price")
    def unit_price_display(self, obj):
        return format_euros(obj.unit_price)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "avoir-correctif/<int:account_id>/",
                view(admin_views.correcting_credit_note),
                name="booking_correcting_credit_note",
            ),
            *super().get_urls(),
        ]
