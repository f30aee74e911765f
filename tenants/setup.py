"""The setup checklist the console shows for each commune (service, prices, sites, school
year, PayFiP régie, first families).

Apps register their steps from AppConfig.ready(), as they do their figures
(tenants/statistics.py): each step says whether it is done by reading the commune's data
through the app's own code, so tenants depends on none of them."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SetupStep:
    key: str
    label: str
    done: Callable[[], bool]  # called inside the commune's schema
    path: str  # inside the commune's site: "admin/booking/service/"
    order: int = 100


_steps: dict[str, SetupStep] = {}


def register_setup_step(
    *, key: str, label, done: Callable[[], bool], path: str, order: int = 100
) -> None:
    _steps[key] = SetupStep(key=key, label=label, done=done, path=path, order=order)


def registered_setup_steps() -> list[SetupStep]:
    return sorted(_steps.values(), key=lambda step: step.order)
