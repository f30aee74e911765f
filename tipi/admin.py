"""The commune's back office for card payments (/<commune>/admin/tipi/): settings, and the
manual validation of the manual ("procédera à la validation manuelle")."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ledger.money import EurosReadonlyMixin, format_euros
from portal.roles import staff_permission
from tipi import manual, services
from tipi.models import OperationEvent, PayfipSettings, PaymentOperation, Regie


@admin.register(PayfipSettings)
class PayfipSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "saisie", "is_enabled")

    def has_add_permission(self, request):
        return not PayfipSettings.objects.exists()


@admin.register(Regie)
class RegieAdmin(admin.ModelAdmin):
    list_display = ("service_code", "numcli")


class EventInline(admin.TabularInline):
    model = OperationEvent
    fields = ("at", "kind", "detail", "actor_name")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ManualPaymentForm(forms.Form):
    numauto = forms.CharField(
        label=_("N° d'autorisation (ticket du Trésor)"), max_length=20, required=True
    )
    paid_on = forms.DateField(
        label=_("Date du paiement"), widget=forms.DateInput(attrs={"type": "date"})
    )
    paid_time = forms.TimeField(
        label=_("Heure du paiement"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Par exemple : ticket du Trésor présenté par la famille, Trésor injoignable."),
    )


@admin.register(PaymentOperation)
class PaymentOperationAdmin(EurosReadonlyMixin, admin.ModelAdmin):
    list_display = ("refdet", "household", "amount_display", "status", "created_at", "paid_at")
    list_filter = ("status", "service_code")
    search_fields = ("=refdet", "id_op", "household__name", "mel")
    list_select_related = ("household",)
    date_hierarchy = "created_at"
    inlines = [EventInline]
    exclude = ("validated_by",)

    def get_readonly_fields(self, request, obj=None):
        names = [f.name for f in PaymentOperation._meta.fields if f.name not in self.exclude]
        return self.with_euros([*names, "actions_links"])

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("montant"), ordering="amount")
    def amount_display(self, obj):
        return format_euros(obj.amount)

    @admin.display(description=_("opérations"))
    def actions_links(self, obj):
        if obj.status == PaymentOperation.Status.PAID:
            return _("Payé : rien à faire.")
        return format_html(
            '<a class="button" href="{}">{}</a> · <a class="button" href="{}">{}</a>',
            reverse("admin:tipi_paymentoperation_check", args=[obj.pk]),
            _("Vérifier auprès du Trésor"),
            reverse("admin:tipi_paymentoperation_manual", args=[obj.pk]),
            _("Enregistrer comme payé (validation manuelle)"),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/verifier/", view(self.check_view), name="tipi_paymentoperation_check"),
            path(
                "<int:pk>/validation-manuelle/",
                view(self.manual_view),
                name="tipi_paymentoperation_manual",
            ),
            *super().get_urls(),
        ]

    def _operation(self, request, pk):
        return get_object_or_404(PaymentOperation, pk=pk)

    @staff_permission("tipi.check_payment")
    def check_view(self, request, pk):
        operation = self._operation(request, pk)
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "operation": operation,
                "title": _("Vérifier auprès du Trésor"),
            }
            return TemplateResponse(request, "admin/tipi/check.html", context)
        operation = services.check_with_treasury(operation=operation, agent=request.user)
        messages.info(
            request,
            _("Réponse du Trésor : %(status)s.") % {"status": operation.get_status_display()},
        )
        return redirect("admin:tipi_paymentoperation_change", operation.pk)

    @staff_permission("tipi.validate_payment_manually")
    def manual_view(self, request, pk):
        operation = self._operation(request, pk)
        form = ManualPaymentForm(
            request.POST or None,
            initial={"paid_on": timezone.localdate(), "paid_time": datetime.time(12, 0)},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            paid_at = timezone.make_aware(
                datetime.datetime.combine(data["paid_on"], data["paid_time"])
            )
            try:
                operation = manual.record_manual_payment(
                    operation=operation,
                    agent=request.user,
                    numauto=data["numauto"],
                    paid_at=paid_at,
                    reason=data["reason"],
                )
            except manual.ManualValidationRefused as refusal:
                messages.error(request, str(refusal))
                return redirect("admin:tipi_paymentoperation_change", operation.pk)
            messages.success(
                request,
                _("Paiement %(refdet)s enregistré : règlement %(number)s.")
                % {"refdet": operation.refdet, "number": operation.payment_number},
            )
            return redirect("admin:tipi_paymentoperation_change", operation.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "operation": operation,
            "form": form,
            "title": _("Enregistrer comme payé (validation manuelle)"),
        }
        return TemplateResponse(request, "admin/tipi/manual.html", context)
