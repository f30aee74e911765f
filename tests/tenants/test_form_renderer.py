"""tenants/form_renderer.py writes the <input> widgets as Django's templates do: every field
of the project's forms and a set of tricky values, rendered both ways, give the same HTML."""

import datetime
import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from tenants.form_renderer import FormRenderer

TEMPLATES, PYTHON = DjangoTemplates(), FormRenderer()


class Tricky(forms.Form):
    text = forms.CharField(
        initial='O\'Neil "<b>" & co',
        widget=forms.TextInput(attrs={"placeholder": 'say "hi" <now>', "data-x": 0}),
    )
    safe = forms.CharField(initial=mark_safe("<i>déjà sûr</i>"), required=False)
    day = forms.DateField(
        initial=datetime.date(2017, 12, 18),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    count = forms.IntegerField(initial=0, min_value=0, max_value=10)
    amount = forms.DecimalField(initial="4.70", decimal_places=2, localize=True)
    mail = forms.EmailField(required=False, disabled=True)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="p<a>ss")
    hidden = forms.CharField(widget=forms.HiddenInput, initial="a&b")
    agree = forms.BooleanField(initial=True)
    disagree = forms.BooleanField(required=False, initial=False)
    document = forms.FileField(required=False)
    attrs = forms.CharField(
        widget=forms.TextInput(attrs={"autofocus": True, "spellcheck": False, "maxlength": 12})
    )


def rendered(form, renderer) -> list[str]:
    form.renderer = renderer
    return [str(field) for field in form]


@pytest.mark.parametrize("data", [None, {"text": 'x"y', "count": "abc", "day": "31/02/2017"}])
def test_tricky_values_give_the_templates_markup(data):
    assert rendered(Tricky(data), PYTHON) == rendered(Tricky(data), TEMPLATES)
    assert 'value="O&#x27;Neil &quot;&lt;b&gt;&quot; &amp; co"' in str(Tricky()["text"])


def _project_forms():
    for app in ("tenants", "portal", "booking", "ledger", "tipi", "notifications"):
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if not module.name.endswith("forms"):
                continue
            for _name, value in inspect.getmembers(importlib.import_module(module.name)):
                if (
                    inspect.isclass(value)
                    and issubclass(value, forms.Form)
                    and value.__module__ == module.name
                ):
                    yield value


def test_the_project_forms_give_the_templates_markup(db):
    compared = 0
    for form_class in _project_forms():
        try:
            form = form_class()
        except TypeError:  # a form that needs its household, service...: its fields alone
            form = forms.Form()
            form.fields = {
                name: field
                for name, field in form_class.base_fields.items()
                if getattr(field, "queryset", True) is not None  # set by the form's __init__
            }
        assert rendered(form, PYTHON) == rendered(form, TEMPLATES), form_class
        compared += len(form.fields)
    assert compared > 20, compared
