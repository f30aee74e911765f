"""Django's form renderer, with the plain `<input>` widgets written from Python.

Each text, date, e-mail, number, password... field went through three templates (the
widget's, django/forms/widgets/input.html and attrs.html): about 0,3 ms a field, the
"Date : du ... au ..." form of the parents' account pages among them. This writes the same
markup as those templates, each value escaped as they escape it; every other widget
(select, textarea, radio lists...) keeps its template. tests/tenants/test_form_renderer.py
renders fields both ways and compares them.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

# The widget templates that are only {% include "django/forms/widgets/input.html" %}.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
)


def _text(value) -> str:
    """`{{ value|stringformat:'s' }}`: the value as %s, escaped unless it was safe."""
    return conditional_escape(value if hasattr(value, "__html__") else "%s" % (value,))  # noqa: UP031


def input_html(widget: dict) -> str:
    """django/forms/widgets/input.html and attrs.html for the widget's context."""
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    html = f'<input type="{kind}" name="{name}"'
    if widget["value"] is not None:
        html += f' value="{_text(widget["value"])}"'
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        html += f" {conditional_escape(name)}"
        if value is not True:
            html += f'="{_text(value)}"'
    return html + ">"


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name in INPUT_TEMPLATES:
            return SafeString(input_html(context["widget"]))
        return super().render(template_name, context, request)
