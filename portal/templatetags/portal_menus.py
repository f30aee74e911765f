from django import template

from portal import menus

register = template.Library()


@register.simple_tag
def service_menu(service_code):
    return menus.service_menu(service_code)


@register.simple_tag
def service_notices():
    return menus.service_notices()


@register.simple_tag
def portal_addresses():
    return menus.portal_addresses()
