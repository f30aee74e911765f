"""Parents' pages. Every object is reached through the logged-in parent's household."""

from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import selectors, services
from portal.accounts.tokens import access_token_generator, reset_token_generator
from portal.forms import (
    ChangePasswordForm,
    ChoosePasswordForm,
    ContactDetailsForm,
    ContactMessageForm,
    HealthDeclarationForm,
    PasswordForgottenForm,
    PortalLoginForm,
)
from portal.home import home_panels
from portal.shortcuts import household_or_404


def login_view(request):
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = PortalLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.get_user())
        return redirect("portal:home")
    return render(request, "portal/login.html", {"form": form})


@login_required
def home(request):
    guardian = selectors.guardian_of(request.user)
    children = selectors.children_of(guardian.household) if guardian else []
    panels = home_panels(guardian.household) if guardian else []
    return render(
        request,
        "portal/home.html",
        {
            "section": "reservations",
            "guardian": guardian,
            "children": children,
            "panels": panels,
        },
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, _("Vous êtes déconnecté."))
    return redirect("portal:login")


@login_required
def contact_details_menu(request):
    household_or_404(request.user)
    return render(request, "portal/contact_details_menu.html", {"section": "coordonnees"})


@login_required
def contact_details(request):
    household = household_or_404(request.user)
    author = selectors.guardian_of(request.user)
    form = ContactDetailsForm(request.POST or None, household=household, author=author)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.update_contact_details(
                household=household, author=author, data=form.cleaned_data
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            if changes:
                messages.success(
                    request,
                    _("Vos coordonnées sont enregistrées ; votre mairie en est avertie."),
                )
            else:
                messages.info(request, _("Aucune modification à enregistrer."))
            return redirect("portal:contact_details_menu")
    return render(request, "portal/contact_details.html", {"section": "coordonnees", "form": form})


@login_required
def children_health(request):
    """ "Enfants : régime, allergies, PAI": the household's children, and for the one asked
    (?enfant=), the form to declare; the commune validates before the kitchen sees it."""
    household = household_or_404(request.user)
    children = list(selectors.children_of(household))
    child = None
    if "enfant" in request.GET or "enfant" in request.POST:
        child = selectors.child_of_household(
            household, request.POST.get("enfant") or request.GET.get("enfant", "")
        )
        if child is None:
            raise Http404(_("Cet enfant n'est pas de votre foyer."))
    elif len(children) == 1:
        child = children[0]
    form = state = None
    if child is not None:
        state = selectors.health_of_child(child)
        current = state["pending"] or state["validated"]
        initial = current.health_values() if current else {}
        form = HealthDeclarationForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.health_declare(
                    household=household, child=child, author=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                for field, field_errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, field_errors)
            else:
                messages.success(
                    request,
                    _("Votre déclaration pour %(child)s est envoyée à la mairie, qui la validera.")
                    % {"child": child.first_name},
                )
                return redirect(f"{reverse('portal:children_health')}?enfant={child.pk}")
    return render(
        request,
        "portal/children_health.html",
        {
            "section": "coordonnees",
            "children": children,
            "child": child,
            "form": form,
            "state": state,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def password_change(request):
    household_or_404(request.user)
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Keep this session; every other session of the account is now invalid.
        update_session_auth_hash(request, user)
        messages.success(request, _("Votre mot de passe est modifié."))
        return redirect("portal:contact_details_menu")
    return render(request, "portal/password_change.html", {"section": "coordonnees", "form": form})


@login_required
def contact(request):
    household = household_or_404(request.user)
    form = ContactMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.send_contact_message(
            household=household,
            author=request.user,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )
        messages.success(request, _("Votre message est envoyé à la mairie."))
        return redirect("portal:contact")
    return render(request, "portal/contact.html", {"section": "contact", "form": form})


def password_forgotten(request):
    form = PasswordForgottenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(form.cleaned_data["email"])
        messages.success(
            request,
            _(
                "Si un compte correspond à cette adresse, un e-mail vient d'être envoyé avec un "
                "lien valable une heure pour choisir un nouveau mot de passe."
            ),
        )
        return redirect("portal:login")
    return render(request, "portal/password_forgotten.html", {"form": form})


def _user_from_link(uidb64, token):
    try:
        user = get_user_model().objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        return None
    for generator in (access_token_generator, reset_token_generator):
        if generator.check_token(user, token):
            return user
    return None


def password_setup(request, uidb64, token):
    """Choose a password from a single-use link (invitation, access e-mail, reset)."""
    user = _user_from_link(uidb64, token)
    if user is None or not user.is_active:
        return render(request, "portal/password_link_invalid.html", status=410)
    form = ChoosePasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request, _("Votre mot de passe est enregistré. Vous pouvez vous connecter.")
        )
        return redirect("admin:login" if user.is_staff else "portal:login")
    return render(request, "portal/password_setup.html", {"form": form, "account": user})
