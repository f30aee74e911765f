"""The portal's sections of the household page: guardians and their portal access,
children, messages, e-mails sent, journal. Registered in PortalConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from portal import families, messages, quotients, selectors
from portal.journal import journal_entries
from portal.models import QuotientFamilial


def guardians(request, household):
    return {
        "guardians": list(household.guardians.all()),
        "can_manage": request.user.has_perm("portal.manage_families"),
    }


def children(request, household):
    return {"children": list(household.children.all())}


def health(request, household):
    children = list(household.children.all())
    badges = selectors.health_badges(
        children=children, viewer=request.user, page=f"gestion/familles/{household.pk}"
    )
    return {"rows": [(child, badges[child.pk]) for child in children if child.pk in badges]}


def household_messages(request, household):
    return {"messages": messages.inbox(household_id=household.pk, limit=20)}


def emails(request, household):
    return {"emails": families.emails_sent_to(household)}


def journal(request, household):
    return {"entries": list(journal_entries(household_id=household.pk))[:30]}


def quotient(request, household):
    return {
        "history": quotients.quotient_history(household),
        "can_set": request.user.has_perm("portal.add_quotientfamilial"),
        "household_id": household.pk,
        "sources": QuotientFamilial.Source.choices,
    }


def register() -> None:
    from portal.gestion import register_household_section

    for key, title, context, permission, order in (
        ("guardians", _("Responsables et accès au portail"), guardians, "portal.view_guardian", 10),
        ("children", _("Enfants"), children, "portal.view_child", 20),
        ("quotient", _("Quotient familial"), quotient, "portal.view_quotientfamilial", 25),
        ("health", _("Régimes, allergies et PAI"), health, "portal.read_health_data", 26),
        ("messages", _("Messages"), household_messages, "portal.view_contactmessage", 80),
        ("emails", _("E-mails envoyés"), emails, "portal.view_household", 90),
        ("journal", _("Journal"), journal, "portal.view_household", 100),
    ):
        register_household_section(
            key=key,
            title=title,
            template=f"portal/gestion/sections/{key}.html",
            context=context,
            permission=permission,
            order=order,
        )
