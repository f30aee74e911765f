from dataclasses import dataclass

from django_tenants.utils import schema_context

from tenants.models import Commune
from tenants.statistics import registered_statistics


def commune_by_slug(slug: str) -> Commune | None:
    return Commune.objects.filter(slug=slug).first()


def commune_by_slug_any_case(slug: str) -> Commune | None:
    return Commune.objects.filter(slug__iexact=slug).first()


def is_commune(tenant) -> bool:
    """A request's tenant is a commune (False for the public schema's console)."""
    return isinstance(tenant, Commune)


def all_communes():
    return Commune.objects.order_by("name")


@dataclass
class CommuneOverview:
    commune: Commune
    figures: list[tuple[str, int]]


def console_overview() -> list[CommuneOverview]:
    """Each commune with the figures other apps register (families, accounts, bookings)."""
    statistics = registered_statistics()
    overview = []
    for commune in all_communes():
        with schema_context(commune.schema_name):
            figures = [(statistic.label, statistic.compute()) for statistic in statistics]
        overview.append(CommuneOverview(commune=commune, figures=figures))
    return overview


def statistic_labels() -> list[str]:
    return [str(statistic.label) for statistic in registered_statistics()]
