from django.utils.functional import SimpleLazyObject

from tenants.models import Commune


def payfip(request):
    """`payfip_test_mode` for the portal's "test" banner; read only if a page shows it."""
    if not isinstance(getattr(request, "tenant", None), Commune):
        return {}
    from tipi.selectors import is_test_mode

    return {"payfip_test_mode": SimpleLazyObject(is_test_mode)}
