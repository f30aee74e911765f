import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_DAYS = 30
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
# A period's bounds stay where date arithmetic (the day after "au") cannot overflow.
FIRST_DATE, LAST_DATE = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)


def validate_period_date(value):
    if not FIRST_DATE <= value <= LAST_DATE:
        raise forms.ValidationError(
            _("Choisissez une date entre le %(first)s et le %(last)s."),
            params={"first": f"{FIRST_DATE:%d/%m/%Y}", "last": f"{LAST_DATE:%d/%m/%Y}"},
            code="out_of_range",
        )


def day_field(label, *, period: bool = False, **kwargs) -> forms.DateField:
    """A date typed "18/12/2017" (or picked: the browser sends 2017-12-18); `period` keeps it
    within the bounds of a period (validate_period_date)."""
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        validators=[validate_period_date] if period else [],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


class PeriodForm(forms.Form):
    """ "Date : du ... au ...", the last 30 days unless the user chooses (parents' pages,
    the back office's totals)."""

    du = day_field(
        _("Du"),
        period=True,
        error_messages={
            "required": _("Indiquez la date de début."),
            "invalid": _("Date de début invalide : utilisez le format jj/mm/aaaa."),
        },
    )
    au = day_field(
        _("Au"),
        period=True,
        error_messages={
            "required": _("Indiquez la date de fin."),
            "invalid": _("Date de fin invalide : utilisez le format jj/mm/aaaa."),
        },
    )

    @classmethod
    def from_query(cls, query, *, default_start: datetime.date | None = None):
        """Bound to the query string, or to the default period (from `default_start`, else
        the last 30 days, to today) when nothing was asked."""
        if "du" in query or "au" in query:
            return cls(query)
        today = timezone.localdate()
        start = default_start or today - datetime.timedelta(days=DEFAULT_DAYS)
        return cls({"du": start.isoformat(), "au": today.isoformat()})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and start > end:
            raise forms.ValidationError(
                _("La date de début (« du ») doit précéder la date de fin (« au »).")
            )
        return cleaned


def page_asked(raw) -> int | None:
    """The page a list's ?page= asks for: 1 when absent, None when it is no page number
    ("abc", "0", "-1"). A number too long to read is past any end (the list shows its last
    page)."""
    if raw is None:
        return 1
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit():
        return None
    number = int(raw) if len(raw) <= 18 else 10**18
    return number if number >= 1 else None
