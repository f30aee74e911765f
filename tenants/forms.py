from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenants.services import validate_admin_email, validate_new_commune


class CommuneCreationForm(forms.Form):
    name = forms.CharField(label=_("Nom de la commune"), max_length=100)
    slug = forms.CharField(
        label=_("Adresse du portail"),
        max_length=50,
        help_text=_("Le portail sera à l'adresse /<adresse>/, par exemple Les-Ageux."),
    )
    contact_email = forms.EmailField(
        label=_("E-mail de contact de la mairie"),
        help_text=_("Reçoit les avis du portail (coordonnées, messages des familles)."),
    )
    admin_email = forms.EmailField(
        label=_("E-mail du premier administrateur"),
        help_text=_("Reçoit une invitation pour choisir son mot de passe."),
    )
    postal_address = forms.CharField(
        label=_("Adresse postale de la mairie"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            validate_new_commune(
                name=cleaned["name"], slug=cleaned["slug"], contact_email=cleaned["contact_email"]
            )
            validate_admin_email(cleaned["admin_email"])
        except ValidationError as error:
            fields = set(self.fields)
            for field, messages in error.message_dict.items():
                self.add_error(field if field in fields else None, messages)
        return cleaned
