"""Back-office pages of booking that are more than a model form: closing days with a
preview, and the correcting credit note (it cancels the meals it refunds)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking import closures, corrections
from booking.models import Service, Site
from ledger import selectors as ledger_selectors
from ledger.admin_forms import CorrectingCreditNoteForm
from ledger.forms import DATE_FORMATS
from ledger.money import format_euros
from portal.roles import staff_permission


class ClosureForm(forms.Form):
    service = forms.ModelChoiceField(label=gettext_lazy("Service"), queryset=Service.objects.all())
    day = forms.DateField(
        label=gettext_lazy("Jour fermé (ou premier jour)"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last_day = forms.DateField(
        label=gettext_lazy("Dernier jour (pour plusieurs jours)"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Vide : un seul jour."),
    )
    sites = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Sites fermés"),
        queryset=Site.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Aucun coché : tous les sites."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Motif"),
        max_length=150,
        help_text=gettext_lazy("Écrit aux familles et sur l'avoir : « fermeture : <motif> »."),
    )

    def clean(self):
        cleaned = super().clean()
        day, last_day = cleaned.get("day"), cleaned.get("last_day")
        if day and last_day and last_day < day:
            self.add_error("last_day", _("Le dernier jour doit suivre le premier."))
        return cleaned


def closure_steps(request, form, *, done_url: str):
    """The closure form's steps, shared by the admin and the workspace. Step 1: the form.
    Step 2 (POST): the preview, what will be cancelled. Step 3 (POST with "confirm" and the
    same service and days as previewed): close_day, then a redirect to `done_url`.
    Returns (redirect or None, preview, previewed)."""
    preview, previewed = None, ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sites = sorted(data["sites"], key=lambda site: site.pk)
            previewed = (
                f"{data['service'].pk}:{data['day']}:{data['last_day'] or data['day']}"
            ) + (f":{','.join(str(site.pk) for site in sites)}" if sites else "")
            if "confirm" in request.POST and request.POST.get("previewed") == previewed:
                result = closures.close_day(
                    service=data["service"],
                    day=data["day"],
                    last_day=data["last_day"],
                    sites=sites,
                    reason=data["reason"],
                    closed_by=request.user,
                )
                messages.success(
                    request,
                    _(
                        "Fermeture enregistrée : %(days)d jour(s), %(reservations)d "
                        "réservation(s) annulée(s), %(families)d famille(s) prévenue(s), "
                        "%(euros)s crédités."
                    )
                    % {
                        "days": len(result.closures),
                        "reservations": result.reservations + result.held,
                        "families": result.families,
                        "euros": format_euros(result.euros),
                    },
                )
                return redirect(done_url), None, ""
            preview = closures.preview_closure(
                service=data["service"], day=data["day"], last_day=data["last_day"], sites=sites
            )
            if not preview.days:
                form.add_error(None, _("Ces jours sont déjà fermés."))
                preview = None
        except closures.ClosureRefused as refusal:
            form.add_error(None, str(refusal))
            preview = None
    return None, preview, previewed if preview else ""


def closure_add(model_admin, request):
    """The admin's "Fermetures → Ajouter": the steps of closure_steps."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = ClosureForm(request.POST or None)
    done, preview, previewed = closure_steps(
        request, form, done_url=reverse("admin:booking_closure_changelist")
    )
    if done is not None:
        return done
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Fermer le service"),
        "form": form,
        "preview": preview,
        "previewed": previewed,
    }
    return TemplateResponse(request, "admin/booking/closure/add.html", context)


@staff_permission("ledger.issue_credit_note")
def correcting_credit_note(request, account_id):
    """ "Avoir correctif" on a family's account: credits invoice lines once, and cancels
    the meals still to come among them."""
    account = ledger_selectors.account_by_id(account_id)
    if account is None:
        raise Http404(_("Compte inconnu."))
    form = CorrectingCreditNoteForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            correction = corrections.issue_correcting_credit_note(
                household=account.household,
                service_code=account.service.code,
                invoice_id=data["invoice"].pk,
                line_ids=[line.pk for line in data["lines"]],
                reason=data["reason"],
                issued_by=request.user,
                idempotency_key=f"admin-credit-{data['key']}",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            document = correction.credit_note
            cancelled = len(correction.cancelled)
            messages.success(
                request,
                format_html(
                    '{} — {}{} <a href="{}">{}</a>',
                    document.label,
                    format_euros(document.total),
                    (
                        _(" — %(count)d repas à venir annulé(s)") % {"count": cancelled}
                        if cancelled
                        else ""
                    ),
                    reverse("admin:ledger_document_pdf", args=[document.pk]),
                    _("PDF"),
                ),
            )
            return redirect("admin:ledger_account_change", account.pk)
    context = {
        **admin.site.each_context(request),
        "opts": account._meta,
        "account": account,
        "form": form,
        "title": _("Avoir correctif"),
    }
    return TemplateResponse(request, "admin/ledger/account_form.html", context)
