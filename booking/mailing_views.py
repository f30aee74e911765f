"""« Écrire aux familles » (gestion/ecrire/): choose the families, preview, send; then the
sending's page with its count and its failures."""

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking import mailing
from booking.models import PlanningGroup, Service, Site
from portal.journal import journal_entries, journal_entry
from portal.roles import staff_permission

PERMISSION = "portal.write_to_families"


class MailingForm(forms.Form):
    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=gettext_lazy("Tous les services"),
    )
    site = forms.ModelChoiceField(
        label=gettext_lazy("Site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=gettext_lazy("Tous les sites"),
    )
    planning_group = forms.ModelChoiceField(
        label=gettext_lazy("Groupe de planning"),
        queryset=PlanningGroup.objects.none(),
        required=False,
        empty_label=gettext_lazy("Tous les groupes"),
    )
    day = forms.DateField(
        label=gettext_lazy("Réservations du jour (jj/mm/aaaa)"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text=gettext_lazy("Les familles ayant un repas réservé ce jour-là."),
    )
    in_debit = forms.BooleanField(label=gettext_lazy("Foyers débiteurs seulement"), required=False)
    subject = forms.CharField(label=gettext_lazy("Objet"), max_length=mailing.SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=gettext_lazy("Message"), max_length=mailing.BODY_MAX_LENGTH, widget=forms.Textarea
    )
    expected_count = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    token = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.order_by("position", "name")
        self.fields["site"].queryset = Site.objects.order_by("name")
        self.fields["planning_group"].queryset = PlanningGroup.objects.order_by("name")

    def selection(self) -> mailing.Selection:
        data = self.cleaned_data
        return mailing.Selection(
            service=data.get("service"),
            site=data.get("site"),
            planning_group=data.get("planning_group"),
            day=data.get("day"),
            in_debit=bool(data.get("in_debit")),
        )


@staff_permission(PERMISSION)
def compose(request):
    form = MailingForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        selection = form.selection()
        data = form.cleaned_data
        try:
            if "send" in request.POST:
                entry = mailing.mailing_send(
                    actor=request.user,
                    selection=selection,
                    subject=data["subject"],
                    body=data["body"],
                    expected_count=data.get("expected_count"),
                    token=data.get("token", ""),
                )
                flash.success(
                    request,
                    _("E-mail mis en file d'envoi pour %(n)s adresses.")
                    % {"n": len(entry.details["outbox_ids"])},
                )
                return redirect("gestion_mailing_report", entry_id=entry.pk)
            preview = mailing.mailing_preview(
                selection=selection, subject=data["subject"], body=data["body"]
            )
            form = MailingForm(
                {**request.POST.dict(), "expected_count": preview.count, "token": preview.token}
            )
            form.is_valid()
        except ValidationError as error:
            found = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for field, errors in found.items():
                form.add_error(field if field in form.fields else None, errors)
    recent = list(journal_entries(action="mailing.send"))[:10]
    return render(
        request,
        "booking/gestion/mailing.html",
        {"form": form, "preview": preview, "recent": recent, "menu_key": "mailing"},
        status=400 if request.method == "POST" and form.errors else 200,
    )


@staff_permission(PERMISSION)
def report(request, entry_id):
    entry = journal_entry(entry_id=entry_id, action="mailing.send")
    if entry is None:
        raise Http404(_("Cet envoi n'existe pas."))
    return render(
        request,
        "booking/gestion/mailing_report.html",
        {
            "entry": entry,
            "report": mailing.sending_report(entry=entry),
            "menu_key": "mailing",
        },
    )
