from django import template

from portal import menus

register = template.Library()


@register.simple_tag
def service_menu(service_code):
    return menus.service_menu(service_code)


@register.simple_tag
def reservations_url():
    return menus.reservations_url()


@register.simple_tag
def service_notices():
    return menus.service_notices()
