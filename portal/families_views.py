"""Workspace pages of the families (gestion/familles/): the search and one page per
household built from the sections the apps register (portal.gestion)."""

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal import families
from portal.gestion import household_sections
from portal.roles import staff_permission


@staff_permission("portal.view_household")
def search(request):
    query = request.GET.get("q", "")[:100]
    found = families.search_households(query=query)
    return render(
        request,
        "portal/gestion/families.html",
        {
            "query": query.strip(),
            "households": found,
            "truncated": len(found) >= families.SEARCH_LIMIT,
            "can_create": request.user.has_perm("portal.manage_families"),
        },
    )


@staff_permission("portal.view_household")
def household(request, household_id):
    row = families.household_for_staff(household_id=household_id)
    if row is None:
        raise Http404(_("Ce foyer n'existe pas."))
    return render(
        request,
        "portal/gestion/household.html",
        {"household": row, "sections": household_sections(request, row)},
    )


@staff_permission("portal.manage_families")
@require_POST
def send_access(request, household_id, guardian_id):
    try:
        email = families.guardian_send_access(
            actor=request.user, household_id=household_id, guardian_id=guardian_id
        )
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(
            request, _("E-mail d'accès au portail envoyé à %(email)s.") % {"email": email.to_email}
        )
    return redirect("gestion_household", household_id=household_id)


TEL = {"type": "tel", "autocomplete": "off"}


class GuardianForm(forms.Form):
    civility = forms.ChoiceField(label=gettext_lazy("Civilité"), choices=families.CIVILITIES)
    last_name = forms.CharField(label=gettext_lazy("Nom"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("Prénom"), max_length=150)
    email = forms.EmailField(
        label=gettext_lazy("Adresse e-mail (identifiant du portail)"), max_length=254
    )
    mobile_phone = forms.CharField(
        label=gettext_lazy("Portable"), max_length=25, required=False, widget=forms.TextInput(TEL)
    )
    work_phone = forms.CharField(
        label=gettext_lazy("Travail"), max_length=25, required=False, widget=forms.TextInput(TEL)
    )


@staff_permission("portal.manage_families")
def guardian_add(request, household_id):
    """Another guardian for the household, with their own login: the access e-mail goes
    through the outbox as for "Nouvelle famille"."""
    row = families.household_for_staff(household_id=household_id)
    if row is None:
        raise Http404(_("Ce foyer n'existe pas."))
    form = GuardianForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = families.guardian_add(
                actor=request.user,
                household_id=row.pk,
                guardian=families.NewGuardian(**form.cleaned_data),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            flash.success(
                request,
                _("%(rank)s ajouté ; l'e-mail d'accès au portail est envoyé à %(email)s.")
                % {"rank": added.get_rank_display(), "email": added.user.email},
            )
            return redirect("gestion_household", household_id=row.pk)
    return render(
        request,
        "portal/gestion/guardian_add.html",
        {"household": row, "form": form, "menu_key": "families"},
        status=400 if form.errors else 200,
    )
