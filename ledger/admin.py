"""The commune's accounts back office (Django admin at /<commune>/admin/ledger/)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ledger import selectors, services
from ledger.admin_forms import (
    DebitWithoutReservationForm,
    PaymentForm,
    PeriodTotalsForm,
)
from ledger.models import Account, Document, LedgerSettings, ServiceBook
from ledger.money import EurosReadonlyMixin, format_euros
from portal.roles import staff_permission


@admin.register(ServiceBook)
class ServiceBookAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "invoice_title")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request, obj=None):
        # Other apps find a book by its code: it does not change once created.
        return ("code",) if obj else ()


@admin.register(LedgerSettings)
class LedgerSettingsAdmin(admin.ModelAdmin):
    """One row: the mentions printed on every document issued from now on."""

    list_display = ("__str__", "issuer_name", "issuer_title")

    def has_add_permission(self, request):
        return not LedgerSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        settings_row = services.ledger_settings()
        return redirect("admin:ledger_ledgersettings_change", settings_row.pk)


def pdf_link(document):
    url = reverse("admin:ledger_document_pdf", args=[document.pk])
    return format_html('<a href="{}">{}</a>', url, _("PDF"))


class DocumentInline(admin.TabularInline):
    model = Document
    fields = ("number", "label_display", "issued_at", "author_name", "credit", "debit", "pdf_file")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-issued_at", "-id")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("intitulé"))
    def label_display(self, obj):
        return obj.label

    def has_change_permission(self, request, obj=None):
        return False  # issued documents never change

    @admin.display(description=_("crédit"))
    def credit(self, obj):
        # A row re-shown from a garbled post has no document behind it: nothing to show.
        return format_euros(obj.total) if obj.total is not None and obj.is_credit else ""

    @admin.display(description=_("débit"))
    def debit(self, obj):
        return format_euros(obj.total) if obj.total is not None and not obj.is_credit else ""

    @admin.display(description=_("PDF"))
    def pdf_file(self, obj):
        return pdf_link(obj) if obj.pk else ""


class BalanceFilter(admin.SimpleListFilter):
    title = _("solde")
    parameter_name = "solde"

    def lookups(self, request, model_admin):
        return [("debit", _("En débit")), ("credit", _("En crédit")), ("zero", _("Soldé"))]

    def queryset(self, request, queryset):
        condition = {
            "debit": Q(balance_amount__lt=0),
            "credit": Q(balance_amount__gt=0),
            "zero": Q(balance_amount=0),
        }.get(self.value())
        return queryset.filter(condition) if condition is not None else queryset


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("household", "service", "balance_display")
    list_filter = (BalanceFilter, "service")
    search_fields = ("household__name", "household__guardians__user__email")
    readonly_fields = ("household", "service", "balance_display", "actions_links")
    fields = readonly_fields
    inlines = [DocumentInline]

    def get_queryset(self, request):
        return selectors.accounts_with_balance()

    def has_add_permission(self, request):
        return False  # accounts open with their first document

    def has_change_permission(self, request, obj=None):
        return False  # nothing to edit: operations have their own pages

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("solde"), ordering="balance_amount")
    def balance_display(self, obj):
        amount = obj.balance_amount
        label = _("en crédit") if amount > 0 else _("en débit") if amount < 0 else _("soldé")
        return f"{format_euros(abs(amount))} {label}"

    @admin.display(description=_("opérations"))
    def actions_links(self, obj):
        links = [
            ("admin:ledger_account_payment", _("Enregistrer un règlement en mairie")),
            ("admin:ledger_account_debit", _("Débit sans réservation")),
            ("admin:booking_correcting_credit_note", _("Avoir correctif")),
        ]
        return format_html(
            " · ".join(['<a class="button" href="{}">{}</a>'] * len(links)),
            *[part for name, label in links for part in (reverse(name, args=[obj.pk]), label)],
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/reglement/", view(self.payment_view), name="ledger_account_payment"),
            path(
                "<int:pk>/debit-sans-reservation/",
                view(self.debit_view),
                name="ledger_account_debit",
            ),
            path("<int:pk>/avoir/", view(self.credit_note_view), name="ledger_account_credit_note"),
            *super().get_urls(),
        ]

    def _account(self, request, pk):
        return get_object_or_404(Account.objects.select_related("household", "service"), pk=pk)

    def _form_page(self, request, account, form, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "account": account,
            "form": form,
            "title": title,
        }
        return TemplateResponse(request, "admin/ledger/account_form.html", context)

    def _done(self, request, account, document):
        messages.success(
            request,
            format_html(
                "{} — {} {}",
                document.label,
                format_euros(document.total),
                pdf_link(document),
            ),
        )
        return redirect("admin:ledger_account_change", account.pk)

    @staff_permission("ledger.record_payment")
    def payment_view(self, request, pk):
        account = self._account(request, pk)
        form = PaymentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            document = services.record_payment(
                household=account.household,
                service_code=account.service.code,
                amount=data["amount"],
                mode=data["mode"],
                recorded_by=request.user,
                idempotency_key=f"admin-payment-{data['key']}",
                treasury_reference=data["treasury_reference"],
                paid_on=data["paid_on"],
            )
            return self._done(request, account, document)
        return self._form_page(request, account, form, _("Enregistrer un règlement en mairie"))

    @staff_permission("ledger.issue_debit")
    def debit_view(self, request, pk):
        account = self._account(request, pk)
        form = DebitWithoutReservationForm(request.POST or None, household=account.household)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                document = services.issue_invoice(
                    household=account.household,
                    service_code=account.service.code,
                    lines=[
                        services.DocumentLine(
                            child_id=data["child"].pk,
                            child_name=str(data["child"]),
                            day=data["day"],
                            label=data["label"],
                            unit_price=data["unit_price"],
                            quantity=data["quantity"],
                        )
                    ],
                    ordered_by=request.user,
                    order_reference="",
                    idempotency_key=f"admin-debit-{data['key']}",
                    without_reservation=True,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return self._done(request, account, document)
        return self._form_page(request, account, form, _("Débit sans réservation"))

    @staff_permission("ledger.issue_credit_note")
    def credit_note_view(self, request, pk):
        """The correcting credit note also cancels the meals still to come: it is booking's
        use case (booking calls the ledger, not the reverse), on booking's admin page."""
        account = self._account(request, pk)
        return redirect("admin:booking_correcting_credit_note", account.pk)


class KindFilter(admin.SimpleListFilter):
    title = _("type")
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [*Document.Kind.choices, ("debit", _("débit sans réservation"))]

    def queryset(self, request, queryset):
        if self.value() == "debit":
            return queryset.filter(without_reservation=True)
        if self.value():
            return queryset.filter(kind=self.value())
        return queryset


@admin.register(Document)
class DocumentAdmin(EurosReadonlyMixin, admin.ModelAdmin):
    """Issued documents, read only: a correction is a new document."""

    list_display = (
        "number",
        "label_display",
        "household",
        "issued_at",
        "total_display",
        "pdf_file",
    )
    list_filter = (KindFilter, "account__service", "issued_at")
    list_select_related = ("account__household",)
    search_fields = ("number", "account__household__name", "order_reference")
    date_hierarchy = "issued_at"
    exclude = ("snapshot", "idempotency_key", "author")
    change_list_template = "admin/ledger/document/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        names = [f.name for f in Document._meta.fields if f.name not in self.exclude]
        return self.with_euros([*names, "pdf_file"])

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("intitulé"))
    def label_display(self, obj):
        return obj.label

    @admin.display(description=_("montant"), ordering="total")
    def total_display(self, obj):
        return format_euros(obj.total)

    @admin.display(description=_("foyer"), ordering="account__household__name")
    def household(self, obj):
        return obj.account.household

    @admin.display(description=_("PDF"))
    def pdf_file(self, obj):
        return pdf_link(obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/pdf/", view(self.pdf_view), name="ledger_document_pdf"),
            path("totaux/", view(self.totals_view), name="ledger_document_totals"),
            *super().get_urls(),
        ]

    @staff_permission("ledger.view_document")
    def pdf_view(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        stored = services.store_pdf(document)
        response = HttpResponse(bytes(stored.content), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{document.number}.pdf"'
        return response

    @staff_permission("ledger.view_document")
    def totals_view(self, request):
        form = PeriodTotalsForm.from_query(
            request.GET, default_start=timezone.localdate().replace(day=1)
        )
        totals = None
        if form.is_valid():
            totals = selectors.totals_between(form.cleaned_data["du"], form.cleaned_data["au"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Totaux par service et foyers en débit"),
            "form": form,
            "totals": totals,
            "in_debit": selectors.accounts_in_debit(),
        }
        return TemplateResponse(request, "admin/ledger/totals.html", context)
