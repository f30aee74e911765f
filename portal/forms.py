from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _


class PortalLoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Identifiant"),
        help_text=_("Votre adresse e-mail."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _(
            "Identifiant ou mot de passe incorrect. Le mot de passe respecte les majuscules "
            "et minuscules."
        ),
        "inactive": _("Ce compte est désactivé. Contactez votre mairie."),
    }


class ChoosePasswordForm(SetPasswordForm):
    pass
