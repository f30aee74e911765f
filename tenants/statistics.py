"""Figures the operator console shows per commune.

Apps register a figure from their AppConfig.ready(), so the console reads families,
accounts and reservations through each app's own selectors without depending on them.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CommuneStatistic:
    key: str
    label: str
    compute: Callable[[], int]  # called inside the commune's schema
    order: int = 100


_statistics: dict[str, CommuneStatistic] = {}


def register_commune_statistic(key: str, label, compute, order: int = 100) -> None:
    _statistics[key] = CommuneStatistic(key=key, label=label, compute=compute, order=order)


def registered_statistics() -> list[CommuneStatistic]:
    return sorted(_statistics.values(), key=lambda statistic: statistic.order)
