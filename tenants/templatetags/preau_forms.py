from django import template

register = template.Library()


@register.filter
def described_widget(field):
    """The field's widget, pointing screen readers at its help text and its errors."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
    attrs = {"aria-describedby": " ".join(described_by)} if described_by else None
    return field.as_widget(attrs=attrs)
