"""Back-office forms. Each carries a one-time key so a double submit records one document."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.forms import PeriodForm, day_field
from ledger.models import Document, Line
from ledger.money import MoneyField, format_euros

TOWN_HALL_MODES = [
    (value, label) for value, label in Document.PaymentMode.choices if value != "card"
]


class KeyedForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class PaymentForm(KeyedForm):
    amount = MoneyField(label=_("Montant (€)"), min_value="0.01")
    mode = forms.ChoiceField(label=_("Mode de règlement"), choices=TOWN_HALL_MODES)
    treasury_reference = forms.CharField(
        label=_("Référence (n° de chèque, de virement…)"), max_length=100, required=False
    )
    paid_on = day_field(_("Date du règlement"), initial=timezone.localdate)


class DebitWithoutReservationForm(KeyedForm):
    child = forms.ModelChoiceField(label=_("Enfant"), queryset=None)
    day = day_field(_("Date du repas"))
    label = forms.CharField(label=_("Type de repas"), initial="Repas", max_length=100)
    unit_price = MoneyField(
        label=_("Tarif (€)"),
        min_value="0.00",
        help_text=_("Le tarif du repas, ou le tarif de pénalité de la commune."),
    )
    quantity = forms.IntegerField(label=_("Quantité"), min_value=1, initial=1)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = household.children.order_by("first_name")


class CorrectingCreditNoteForm(KeyedForm):
    invoice = forms.ModelChoiceField(label=_("Facture à corriger"), queryset=None)
    lines = forms.ModelMultipleChoiceField(
        label=_("Lignes à créditer"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Les lignes de la facture choisie que l'avoir rembourse. Une ligne déjà créditée "
            "(par une annulation, une fermeture ou un autre avoir) n'est pas proposée : "
            "une ligne n'est remboursée qu'une fois. Un repas encore à venir (aujourd'hui ou "
            "plus tard) est annulé en même temps : il quitte la liste de la cuisine et le "
            "planning de la famille. Un repas passé reste tel qu'il a été servi."
        ),
    )
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        invoices = account.documents.filter(kind=Document.Kind.INVOICE).order_by("-issued_at")
        self.fields["invoice"].queryset = invoices
        self.fields["invoice"].label_from_instance = lambda invoice: (
            f"{invoice.number} — {invoice.issued_at:%d/%m/%Y} — {format_euros(invoice.total)}"
        )
        self.fields["lines"].queryset = (
            Line.objects.filter(document__in=invoices, credited_by__isnull=True)
            .select_related("document")
            .order_by("document__issued_at", "document_id", "position")
        )
        self.fields["lines"].label_from_instance = lambda line: (
            f"{line.document.number} — {line.child_name} {line.day:%d/%m/%Y} "
            f"{line.label} {format_euros(line.amount)}"
        )

    def clean(self):
        cleaned = super().clean()
        invoice, lines = cleaned.get("invoice"), cleaned.get("lines")
        if invoice and lines and any(line.document_id != invoice.pk for line in lines):
            raise forms.ValidationError(_("Choisissez des lignes de la facture à corriger."))
        return cleaned


# The totals' period is the parents' one (ledger.forms.PeriodForm).
PeriodTotalsForm = PeriodForm
