"""Money is Decimal euros with 2 places; cents only at the payment boundary."""

import functools
import re
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
THIN_SPACE = "\u202f"  # between thousands, as French typography wants
NO_BREAK_SPACE = "\u00a0"  # keeps "€" on the amount's line


def euros(value) -> Decimal:
    """A Decimal with 2 places. Refuses floats: they cannot hold cents exactly."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, an int or a string.")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_euros(value) -> str:
    """4.7 → '4,70 €', 1234.5 → '1 234,50 €' (narrow no-break space between thousands)."""
    amount = euros(value)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    return f"{sign}{THIN_SPACE.join(groups)},{cents}{NO_BREAK_SPACE}€"


def to_cents(value) -> int:
    return int(euros(value) * 100)


# Typing money in a form ----------------------------------------------------------------

# "4,90", "4.90", "4", "1 234,50" (thousands grouped by a space), an optional "€" after.
_TYPED_EUROS = re.compile(
    r"^(?P<units>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](?P<cents>\d{1,2}))?\s*€?$"
)


def parse_euros(text: str) -> Decimal | None:
    """ "4,90" or "4.90" → Decimal("4.90"); None for anything else (three decimals, two
    separators, letters, a sign)."""
    match = _TYPED_EUROS.match((text or "").strip())
    if match is None:
        return None
    units = re.sub(r"\D", "", match["units"])
    return euros(f"{units}.{match['cents'] or '0'}")


def typed_euros(value) -> str:
    """What a money input shows: 4.9 → "4,90" (no thousands separator, no "€")."""
    return f"{euros(value):.2f}".replace(".", ",")


class MoneyField(forms.Field):
    """The one form field for euros in the back office: accepts "4,90" and "4.90", refuses
    anything else with a French message, shows "4,90", optional bounds in euros."""

    widget = forms.TextInput

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        # Arguments a model DecimalField passes to its form field: the pattern decides.
        for name in ("max_digits", "decimal_places", "localize", "step_size"):
            kwargs.pop(name, None)
        self.min_value = None if min_value is None else euros(min_value)
        self.max_value = None if max_value is None else euros(max_value)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "autocomplete": "off", "size": "10"})
        return attrs

    def prepare_value(self, value):
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return typed_euros(value)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return euros(value)
        amount = parse_euros(str(value))
        if amount is None:
            raise forms.ValidationError(
                _(
                    "Montant invalide : saisissez des euros avec au plus deux chiffres "
                    "après la virgule, par exemple 4,90."
                ),
                code="invalid",
            )
        return amount

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise forms.ValidationError(
                _("Le montant doit être d'au moins %(min)s.")
                % {"min": format_euros(self.min_value)},
                code="min_value",
            )
        if self.max_value is not None and value > self.max_value:
            raise forms.ValidationError(
                _("Le montant ne peut dépasser %(max)s.") % {"max": format_euros(self.max_value)},
                code="max_value",
            )

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (
                None if initial in self.empty_values else euros(initial)
            )
        except (forms.ValidationError, ArithmeticError, TypeError, ValueError):
            return True


@functools.cache
def _euros_display(field):
    def show(obj):
        value = getattr(obj, field.name)
        return "-" if value is None else format_euros(value)

    show.short_description = field.verbose_name
    show.admin_order_field = field.name
    show.money_field = field.name
    show.__name__ = f"{field.name}_euros"
    return show


class EurosReadonlyMixin:
    """A ModelAdmin whose read-only amounts (2-decimal DecimalFields) show "4,70 €".

    Each such field is shown by a callable, and kept out of the form. A subclass that
    computes its read-only fields passes them through `with_euros()`."""

    def with_euros(self, names):
        money = {
            f.name: f
            for f in self.model._meta.concrete_fields
            if f.get_internal_type() == "DecimalField" and f.decimal_places == 2
        }
        return [
            _euros_display(money[name]) if isinstance(name, str) and name in money else name
            for name in names
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.with_euros(super().get_readonly_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        # View only: the admin shows every field of the fieldsets read-only.
        return [
            (name, {**options, "fields": self._nested_euros(options["fields"])})
            for name, options in fieldsets
        ]

    def _nested_euros(self, names):
        return [
            tuple(self.with_euros(name)) if isinstance(name, (list, tuple)) else name
            for name in self.with_euros(names)
        ]

    def get_form(self, request, obj=None, **kwargs):
        if kwargs.get("fields"):
            kwargs["fields"] = [name for name in kwargs["fields"] if isinstance(name, str)]
        return super().get_form(request, obj, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        if "fields" not in kwargs:
            fields = flatten_fieldsets(self.get_fieldsets(request, obj))
            kwargs["fields"] = [name for name in fields if isinstance(name, str)]
        return super().get_formset(request, obj, **kwargs)

    def get_exclude(self, request, obj=None):
        shown = self.get_readonly_fields(request, obj)
        replaced = [f.money_field for f in shown if hasattr(f, "money_field")]
        return [*(super().get_exclude(request, obj) or ()), *replaced]
