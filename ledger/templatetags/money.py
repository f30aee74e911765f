from django import template

from ledger.money import format_euros

register = template.Library()


@register.filter
def euros(value):
    """{{ amount|euros }} → 4,70 €"""
    if value is None or value == "":
        return ""
    return format_euros(value)
