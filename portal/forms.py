from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal import selectors
from portal.models import Allergen, Diet, Guardian
from portal.phones import normalize_phone, validate_postal_code


class PortalLoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Identifiant"),
        max_length=254,
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
        "inactive": _("Identifiant ou mot de passe incorrect."),
    }


# The rule in one sentence, where the manual puts it, instead of one line per validator.
PASSWORD_RULE = _("Au moins 12 caractères ; évitez un mot de passe courant.")


class ChoosePasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_RULE


class ChangePasswordForm(PasswordChangeForm):
    """The manual's "Changement mot de passe": old password, new one twice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_RULE


class PasswordForgottenForm(forms.Form):
    email = forms.EmailField(
        label=_("Identifiant (adresse e-mail)"),
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )


class ContactMessageForm(forms.Form):
    subject = forms.CharField(label=_("Objet"), max_length=150)
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea)


PHONE_ATTRS = {"type": "tel", "autocomplete": "tel"}


def phone_field(label):
    return forms.CharField(
        label=label, required=False, max_length=25, widget=forms.TextInput(attrs=PHONE_ATTRS)
    )


class ContactDetailsForm(forms.Form):
    """The manual's "Mes coordonnées" form. Field names are the keys of
    selectors.contact_details, so a validated form maps straight onto the change."""

    civility = forms.ChoiceField(label=_("Civilité"), choices=Guardian.Civility.choices)
    last_name = forms.CharField(label=_("Nom de l'utilisateur"), max_length=150)
    first_name = forms.CharField(label=_("Prénom de l'utilisateur"), max_length=150)
    email = forms.EmailField(
        label=_("Adresse mail"),
        help_text=_("C'est aussi votre identifiant de connexion."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    street_number = forms.CharField(label=_("N° rue"), max_length=10, required=False)
    street_name = forms.CharField(label=_("Nom voie"), max_length=150, required=False)
    address_complement = forms.CharField(
        label=_("Complément d'adresse"), max_length=150, required=False
    )
    postal_code = forms.CharField(
        label=_("Code postal"),
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    other_postal_code = forms.CharField(
        label=_("Autre code postal"),
        max_length=20,
        required=False,
        help_text=_("Pour une adresse hors de France."),
    )
    city = forms.CharField(label=_("Commune"), max_length=100, required=False)
    home_phone = phone_field(_("Domicile"))
    other_contact_name = forms.CharField(
        label=_("Autre personne : nom"), max_length=150, required=False
    )
    other_contact_phone = phone_field(_("Autre personne : N° de tél."))
    other_contact_2_name = forms.CharField(
        label=_("Autre personne 2 : nom"), max_length=150, required=False
    )
    other_contact_2_phone = phone_field(_("Autre personne 2 : N° de tél."))

    def __init__(self, *args, household, author, **kwargs):
        super().__init__(*args, **kwargs)
        prefix = f"guardian{author.rank}_"
        self.fields[prefix + "mobile_phone"] = phone_field(_("Portable"))
        self.fields[prefix + "work_phone"] = phone_field(_("Travail"))
        self.fields[prefix + "work_extension"] = forms.CharField(
            label=_("Poste/Service"), max_length=50, required=False
        )
        self.author = author
        self.own_phone_names = [
            prefix + n for n in ("mobile_phone", "work_phone", "work_extension")
        ]
        # The other guardians' details, shown, not editable: each guardian edits their own.
        self.other_guardians = [g for g in selectors.guardians_of(household) if g.pk != author.pk]
        self.initial = {
            field.key: field.value for field in selectors.contact_details(household, author)
        }

    def phone_keys(self):
        return [name for name, field in self.fields.items() if field.widget.input_type == "tel"]

    def clean_postal_code(self):
        return validate_postal_code(self.cleaned_data["postal_code"])

    def clean(self):
        cleaned = super().clean()
        for key in self.phone_keys():
            if key in cleaned:
                try:
                    cleaned[key] = normalize_phone(cleaned[key])
                except ValidationError as error:
                    self.add_error(key, error)
        for key, value in list(cleaned.items()):
            if isinstance(value, str):
                cleaned[key] = value.strip()
        return cleaned

    def bound(self, names):
        return [self[name] for name in names]

    @property
    def identity_fields(self):
        return self.bound(["civility", "last_name", "first_name", "email"])

    @property
    def address_fields(self):
        return self.bound(selectors.ADDRESS_FIELDS)

    @property
    def guardian_fieldsets(self):
        return [(self.author, self.bound(self.own_phone_names))]

    @property
    def other_contact_fields(self):
        return self.bound(selectors.OTHER_CONTACT_FIELDS)


class HealthDeclarationForm(forms.Form):
    """A child's diet, food allergies and PAI, as the parent declares them."""

    diet = forms.ChoiceField(label=_("Régime"), choices=Diet.choices, required=False)
    allergens = forms.MultipleChoiceField(
        label=_("Allergies alimentaires"),
        choices=Allergen.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    allergies_other = forms.CharField(
        label=_("Autres allergies ou précisions"), max_length=300, required=False
    )
    pai = forms.BooleanField(
        label=_("Mon enfant a un PAI (projet d'accueil individualisé)"), required=False
    )
    pai_end = forms.DateField(
        label=_("Fin du PAI (jj/mm/aaaa)"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"inputmode": "numeric"}),
    )
