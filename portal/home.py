"""What the home page ("Accueil") shows besides the children.

Apps register a panel from their AppConfig.ready() (as for the console's figures), so the
portal shows bookings, balances and payments through each app's own selectors without
depending on them.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomePanel:
    key: str
    template: str  # rendered with `panel` = what compute returned
    compute: Callable  # (household) → context, or None to show nothing
    order: int = 100


_panels: dict[str, HomePanel] = {}


def register_home_panel(key: str, template: str, compute, order: int = 100) -> None:
    _panels[key] = HomePanel(key=key, template=template, compute=compute, order=order)


def home_panels(household) -> list[tuple[str, object]]:
    """(template, context) of each registered panel that has something to show."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        context = panel.compute(household)
        if context:
            shown.append((panel.template, context))
    return shown
