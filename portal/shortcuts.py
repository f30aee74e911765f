"""View helpers every app's parent pages share (selectors return None; views decide 404)."""

from django.http import Http404
from django.utils.translation import gettext as _

from portal import selectors
from portal.models import Household


def household_or_404(user) -> Household:
    """The logged-in parent's household; 404 for anyone else (staff, strangers)."""
    household = selectors.household_of_user(user)
    if household is None:
        raise Http404(_("Ce compte n'est rattaché à aucun foyer."))
    return household


def found_or_404(found, message: str = ""):
    """`found`, or 404 when a selector found nothing the user may see."""
    if found is None:
        raise Http404(message)
    return found
