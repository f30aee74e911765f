from django import template

from ledger.money import NO_BREAK_SPACE, THIN_SPACE, format_euros

register = template.Library()


@register.filter
def pdf_euros(value):
    """As |euros, with a plain no-break space: the embedded font has no narrow one."""
    if value is None or value == "":
        return ""
    return format_euros(value).replace(THIN_SPACE, NO_BREAK_SPACE)
