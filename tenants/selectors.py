from dataclasses import dataclass

from django_tenants.utils import schema_context

from tenants.models import Commune, communes_cache
from tenants.setup import registered_setup_steps
from tenants.statistics import registered_statistics

_COMMUNE_FIELDS = [field.attname for field in Commune._meta.concrete_fields]


def commune_by_slug(slug: str) -> Commune | None:
    """The commune at /<slug>/ (exact case), from the in-process cache that every change
    of a commune invalidates on all nodes (Commune.save); a fresh instance each call."""

    def read():
        return Commune.objects.filter(slug=slug).values_list(*_COMMUNE_FIELDS).first()

    values = communes_cache.get(slug, read)
    return None if values is None else Commune.from_db("default", _COMMUNE_FIELDS, values)


def commune_by_slug_any_case(slug: str) -> Commune | None:
    return Commune.objects.filter(slug__iexact=slug).first()


def is_commune(tenant) -> bool:
    """A request's tenant is a commune (False for the public schema's console)."""
    return isinstance(tenant, Commune)


def all_communes():
    return Commune.objects.order_by("name")


def commune_by_id(pk: int) -> Commune | None:
    return Commune.objects.filter(pk=pk).first()


@dataclass
class ChecklistItem:
    key: str
    label: str
    done: bool
    url: str  # the page of the commune's site where the step is done


def _checklist(commune: Commune) -> list[ChecklistItem]:
    """Run inside the commune's schema."""
    return [
        ChecklistItem(
            key=step.key,
            label=step.label,
            done=bool(step.done()),
            url=f"/{commune.slug}/{step.path}",
        )
        for step in registered_setup_steps()
    ]


def setup_checklist(commune: Commune) -> list[ChecklistItem]:
    """The commune's setup steps, each ticked from its own data."""
    with schema_context(commune.schema_name):
        return _checklist(commune)


@dataclass
class CommuneOverview:
    commune: Commune
    figures: list[tuple[str, int]]
    checklist: list[ChecklistItem]

    @property
    def steps_done(self) -> int:
        return sum(item.done for item in self.checklist)


def console_overview() -> list[CommuneOverview]:
    """Each commune with the figures other apps register (families, accounts, bookings)
    and its setup checklist."""
    statistics = registered_statistics()
    overview = []
    for commune in all_communes():
        with schema_context(commune.schema_name):
            figures = [(statistic.label, statistic.compute()) for statistic in statistics]
            checklist = _checklist(commune)
        overview.append(CommuneOverview(commune=commune, figures=figures, checklist=checklist))
    return overview


def statistic_labels() -> list[str]:
    return [str(statistic.label) for statistic in registered_statistics()]
