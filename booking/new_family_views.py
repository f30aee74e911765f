"""« Nouvelle famille » (gestion/familles/nouvelle/): one form for the household, its first
guardian and its children with their enrolment; booking.new_family.family_create saves it."""

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking.new_family import NewEnrolment, NewFamilyChild, enrolment_choices, family_create
from portal.families import CIVILITIES, NewChild, NewGuardian, NewHousehold
from portal.roles import staff_permission

CHILD_ROWS = 3
TEL = {"type": "tel", "autocomplete": "off"}


class FamilyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom du foyer"), max_length=150)
    street_number = forms.CharField(label=gettext_lazy("N° rue"), max_length=10, required=False)
    street_name = forms.CharField(label=gettext_lazy("Nom voie"), max_length=150, required=False)
    postal_code = forms.CharField(label=gettext_lazy("Code postal"), max_length=5, required=False)
    city = forms.CharField(label=gettext_lazy("Commune"), max_length=100, required=False)
    home_phone = forms.CharField(
        label=gettext_lazy("Domicile"), max_length=25, required=False, widget=forms.TextInput(TEL)
    )
    civility = forms.ChoiceField(label=gettext_lazy("Civilité"), choices=CIVILITIES)
    last_name = forms.CharField(label=gettext_lazy("Nom du responsable"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("Prénom du responsable"), max_length=150)
    email = forms.EmailField(
        label=gettext_lazy("Adresse e-mail (identifiant du portail)"), max_length=254
    )
    mobile_phone = forms.CharField(
        label=gettext_lazy("Portable"), max_length=25, required=False, widget=forms.TextInput(TEL)
    )


class ChildForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("Prénom"), max_length=150, required=False)
    birth_date = forms.DateField(
        label=gettext_lazy("Date de naissance (jj/mm/aaaa)"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
    )
    class_name = forms.CharField(label=gettext_lazy("Classe"), max_length=50, required=False)
    service = forms.TypedChoiceField(label=gettext_lazy("Service"), coerce=int, required=False)
    site = forms.TypedChoiceField(label=gettext_lazy("Site"), coerce=int, required=False)
    planning_group = forms.TypedChoiceField(
        label=gettext_lazy("Groupe de planning"), coerce=int, required=False
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        none = [("", _("— pas d'inscription —"))]
        self.fields["service"].choices = none + [(s.pk, s.name) for s in choices.services]
        self.fields["site"].choices = [("", "—")] + [(s.pk, s.name) for s in choices.sites]
        self.fields["planning_group"].choices = [("", "—")] + [
            (g.pk, g.name) for g in choices.groups
        ]

    def clean(self):
        data = super().clean()
        wanted = [data.get(k) for k in ("service", "site", "planning_group")]
        if any(wanted) and not all(wanted):
            raise ValidationError(_("Pour inscrire l'enfant, choisissez service, site et groupe."))
        if any(wanted) and not data.get("first_name"):
            raise ValidationError(_("Indiquez le prénom de l'enfant à inscrire."))
        return data

    def entry(self) -> NewFamilyChild | None:
        data = self.cleaned_data
        if not data.get("first_name"):
            return None
        enrolment = None
        if data.get("service"):
            enrolment = NewEnrolment(data["service"], data["site"], data["planning_group"])
        child = NewChild(
            first_name=data["first_name"],
            birth_date=data.get("birth_date"),
            class_name=data.get("class_name", ""),
        )
        return NewFamilyChild(child, enrolment)


@staff_permission("portal.manage_families")
def new_family(request):
    choices = enrolment_choices()
    post = request.POST if request.method == "POST" else None
    form = FamilyForm(post)
    children = [ChildForm(post, prefix=f"enfant{i}", choices=choices) for i in range(CHILD_ROWS)]
    if post is not None and form.is_valid() and all(c.is_valid() for c in children):
        data = form.cleaned_data
        try:
            household = family_create(
                actor=request.user,
                household=NewHousehold(
                    name=data["name"],
                    street_number=data["street_number"],
                    street_name=data["street_name"],
                    postal_code=data["postal_code"],
                    city=data["city"],
                    home_phone=data["home_phone"],
                ),
                guardian=NewGuardian(
                    email=data["email"],
                    civility=data["civility"],
                    last_name=data["last_name"],
                    first_name=data["first_name"],
                    mobile_phone=data["mobile_phone"],
                ),
                children=[entry for c in children if (entry := c.entry()) is not None],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            flash.success(
                request,
                _("Foyer %(name)s créé ; l'e-mail d'accès au portail est envoyé à %(email)s.")
                % {"name": household.name, "email": data["email"]},
            )
            return redirect("gestion_household", household_id=household.pk)
    invalid = post is not None
    if invalid:
        form.is_valid()
        for number, child in enumerate(children, start=1):
            for field, errors in child.errors.items():
                label = child.fields[field].label if field in child.fields else ""
                for error in errors:
                    prefix = _("Enfant %(n)s") % {"n": number}
                    form.add_error(None, f"{prefix}{' — ' + str(label) if label else ''} : {error}")
    return render(
        request,
        "booking/gestion/new_family.html",
        {"form": form, "children": children, "menu_key": "families"},
        status=400 if invalid else 200,
    )
