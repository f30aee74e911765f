from django.utils.functional import SimpleLazyObject

from portal.selectors import household_of_user
from tenants.selectors import is_commune
from tipi.selectors import is_test_mode, pending_payments_of


def payfip(request):
    """`payfip_test_mode` for the portal's "test" banner; read only if a page shows it.
    The routing middleware sets `request.tenant` to the commune, or None outside one."""
    if not is_commune(getattr(request, "tenant", None)):
        return {}
    return {
        "payfip_test_mode": SimpleLazyObject(is_test_mode),
        "pending_payments": SimpleLazyObject(lambda: _pending_payments(request)),
    }


def _pending_payments(request) -> list:
    """The banner's card payments: the logged-in parent's, read only if a page shows them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    household = household_of_user(user)  # the view's household_or_404 read it already
    return pending_payments_of(household) if household is not None else []
