"""« Nouvelle famille »: a household, its first guardian, its children and their enrolment
in one transaction. The household, guardian, children and the access e-mail are portal's
(portal.families.household_create); the enrolments are booking's."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from booking.models import Enrolment, PlanningGroup, Service, Site
from portal.families import Household, NewChild, NewGuardian, NewHousehold, household_create


@dataclass
class NewEnrolment:
    service_id: int
    site_id: int
    planning_group_id: int


@dataclass
class NewFamilyChild:
    child: NewChild
    enrolment: NewEnrolment | None = None


@dataclass(frozen=True)
class EnrolmentChoices:
    services: list
    sites: list
    groups: list


def enrolment_choices() -> EnrolmentChoices:
    """What the form offers: services open to families, sites, planning groups."""
    return EnrolmentChoices(
        services=list(Service.objects.filter(is_active=True).order_by("position", "name")),
        sites=list(Site.objects.order_by("name")),
        groups=list(PlanningGroup.objects.order_by("name")),
    )


def _check_enrolments(children: list[NewFamilyChild]) -> None:
    wanted = [c.enrolment for c in children if c.enrolment is not None]
    if not wanted:
        return
    services = set(
        Service.objects.filter(pk__in={e.service_id for e in wanted}).values_list("pk", flat=True)
    )
    sites = set(
        Site.objects.filter(pk__in={e.site_id for e in wanted}).values_list("pk", flat=True)
    )
    groups = set(
        PlanningGroup.objects.filter(pk__in={e.planning_group_id for e in wanted}).values_list(
            "pk", flat=True
        )
    )
    for enrolment in wanted:
        if (
            enrolment.service_id not in services
            or enrolment.site_id not in sites
            or enrolment.planning_group_id not in groups
        ):
            raise ValidationError(
                {"children": _("Choisissez le service, le site et le groupe de chaque enfant.")}
            )


@transaction.atomic
def family_create(
    *,
    actor,
    household: NewHousehold,
    guardian: NewGuardian,
    children: list[NewFamilyChild],
) -> Household:
    """Create the family and enrol each child that has an enrolment; the access e-mail is
    queued and the journal row written in the same transaction. Returns the household."""
    _check_enrolments(children)
    household.children = [c.child for c in children]
    row = household_create(actor=actor, household=household, guardian=guardian)
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                child=created,
                service_id=wanted.enrolment.service_id,
                site_id=wanted.enrolment.site_id,
                planning_group_id=wanted.enrolment.planning_group_id,
            )
            for created, wanted in zip(row.created_children, children, strict=True)
            if wanted.enrolment is not None
        ]
    )
    return row
