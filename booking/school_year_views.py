"""Workspace page "Année scolaire": prepare the next year from the current one, review what
it takes over, then open it (booking.school_year)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from booking import school_year
from booking.models import SchoolYear
from ledger.forms import DATE_FORMATS
from portal.roles import staff_permission


def _date_field(label):
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class PrepareForm(forms.Form):
    first_day = _date_field(gettext_lazy("Premier jour"))
    last_day = _date_field(gettext_lazy("Dernier jour"))
    zone = forms.ChoiceField(label=gettext_lazy("Zone de vacances"), choices=SchoolYear.Zone)
    prices_from = _date_field(gettext_lazy("Nouveaux tarifs à partir du"))

    def __init__(self, *args, price_rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.price_rows = list(price_rows)
        for row in self.price_rows:
            self.fields[f"price_{row.meal_kind.pk}"] = forms.CharField(
                label=f"{row.meal_kind.service.name} — {row.meal_kind.name} (€)",
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )

    def price_fields(self):
        return [self[f"price_{row.meal_kind.pk}"] for row in self.price_rows]

    def prices(self) -> dict[int, Decimal]:
        found = {}
        for row in self.price_rows:
            text = (self.cleaned_data.get(f"price_{row.meal_kind.pk}") or "").strip()
            if not text:
                continue
            try:
                found[row.meal_kind.pk] = Decimal(
                    text.replace("€", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
                )
            except InvalidOperation:
                self.add_error(f"price_{row.meal_kind.pk}", _("Saisissez un montant, ex. 4,70."))
        return found


def _initial(review):
    initial = {"first_day": review.first_day, "last_day": review.last_day}
    source = review.prepared or review.current
    if source is not None:
        initial["zone"] = source.zone
    initial["prices_from"] = review.first_day
    for row in review.prices:
        amount = row.next if review.prepared else row.current
        if amount is not None:
            initial[f"price_{row.meal_kind.pk}"] = f"{amount:.2f}".replace(".", ",")
        if review.prepared and row.next_from:
            initial["prices_from"] = row.next_from
    return initial


def _page(request, review, form, status=200):
    return render(
        request,
        "booking/gestion/school_year.html",
        {
            "review": review,
            "form": form,
            "can_prepare": request.user.has_perm("booking.prepare_school_year"),
        },
        status=status,
    )


@staff_permission("booking.view_schoolyear")
def school_year_page(request):
    review = school_year.school_year_review()
    return _page(request, review, PrepareForm(initial=_initial(review), price_rows=review.prices))


@staff_permission("booking.prepare_school_year")
@require_POST
def school_year_action(request):
    """ "Préparer" (the form) or "Ouvrir" (the prepared year), then back to the page."""
    review = school_year.school_year_review()
    form = PrepareForm(
        request.POST if "open" not in request.POST else None,
        initial=_initial(review),
        price_rows=review.prices,
    )
    try:
        if "open" in request.POST:
            if review.prepared is None:
                raise school_year.SchoolYearRefused(_("Aucune année préparée à ouvrir."))
            year = school_year.school_year_open(actor=request.user, school_year=review.prepared)
            messages.success(
                request,
                _("Année scolaire %(year)s ouverte : les familles peuvent réserver.")
                % {"year": year},
            )
            return redirect("gestion_school_year")
        if form.is_valid():
            prices = form.prices()
            if not form.errors:
                data = form.cleaned_data
                year = school_year.school_year_prepare(
                    actor=request.user,
                    first_day=data["first_day"],
                    last_day=data["last_day"],
                    zone=data["zone"],
                    prices_from=data["prices_from"],
                    prices=prices,
                )
                messages.success(
                    request,
                    _("Année scolaire %(year)s préparée : vérifiez-la, puis ouvrez-la.")
                    % {"year": year},
                )
                return redirect("gestion_school_year")
    except school_year.SchoolYearRefused as refusal:
        form.add_error(None, str(refusal))
    return _page(request, review, form, status=400)
