import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_DAYS = 30
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class PeriodForm(forms.Form):
    """ "Date : du ... au ...", the last 30 days unless the parent chooses."""

    du = forms.DateField(
        label=_("Du"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la date de début."),
            "invalid": _("Date de début invalide : utilisez le format jj/mm/aaaa."),
        },
    )
    au = forms.DateField(
        label=_("Au"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la date de fin."),
            "invalid": _("Date de fin invalide : utilisez le format jj/mm/aaaa."),
        },
    )

    @classmethod
    def from_query(cls, query):
        """Bound to the query string, or to the default period when nothing was asked."""
        if "du" in query or "au" in query:
            return cls(query)
        today = timezone.localdate()
        start = today - datetime.timedelta(days=DEFAULT_DAYS)
        return cls({"du": start.isoformat(), "au": today.isoformat()})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and start > end:
            raise forms.ValidationError(
                _("La date de début (« du ») doit précéder la date de fin (« au »).")
            )
        return cleaned
