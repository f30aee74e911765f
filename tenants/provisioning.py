"""What provisioning needs from the apps above tenants: the commune's first administrator.

`portal.accounts` registers it from its AppConfig.ready() (like the console's statistics in
tenants/statistics.py), so that `tenants.services.create_commune` makes the administrator and
their invitation without importing the portal.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class AdministratorProvider:
    # Cleaned address, or a ValidationError naming no field (nothing written).
    check_email: Callable[[str], str]
    # Called in the new commune's schema: creates the account, returns its invitation link.
    invite: Callable[..., str]


_provider: AdministratorProvider | None = None


def register_administrator_provider(*, check_email, invite) -> None:
    global _provider
    _provider = AdministratorProvider(check_email=check_email, invite=invite)


def administrator_provider() -> AdministratorProvider:
    if _provider is None:
        raise RuntimeError("No app registered the communes' administrators (portal.accounts).")
    return _provider
