from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts.tokens import access_token_generator, reset_token_generator
from portal.forms import ChoosePasswordForm, PortalLoginForm


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
    return render(request, "portal/home.html")


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, _("Vous êtes déconnecté."))
    return redirect("portal:login")


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
