"""`{% load i18n %}` as Django's, a constant `{% translate "…" %}` rendered once per language.

Django looks a `{% translate "literal" %}` up in the catalog, localizes and escapes it at
every render (about 8 µs; a parent's page has 14 to 28 of them). Its text depends only on
the active language and on autoescaping, so such a node keeps what it rendered for each
pair. A translation with filters, `as`, `context` or a variable is Django's own node.
Wired as the template library "i18n" (config/settings.py, TEMPLATES' "libraries"): every
template's `{% load i18n %}` takes this module, which carries all of Django's tags and
filters.
"""

from django import template
from django.template.base import Variable
from django.templatetags import i18n as django_i18n
from django.utils import translation

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class ConstantTranslateNode(django_i18n.TranslateNode):
    """A literal message without filters, `as` or context: rendered once per language and
    autoescaping, then the same text."""

    def __init__(self, filter_expression, noop):
        super().__init__(filter_expression, noop)
        self.rendered = {}

    def render(self, context):
        key = (translation.get_language(), context.autoescape)
        text = self.rendered.get(key)
        if text is None:
            text = self.rendered[key] = super().render(context)
        return text


def is_constant(node: django_i18n.TranslateNode) -> bool:
    variable = node.filter_expression.var
    return (
        node.asvar is None
        and node.message_context is None
        and not node.filter_expression.filters
        and isinstance(variable, Variable)
        and variable.literal is not None
    )


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    if is_constant(node):
        return ConstantTranslateNode(node.filter_expression, node.noop)
    return node
