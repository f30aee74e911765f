"""The kitchen list (gestion/cuisine/): the next service day by default, the children per
site and meal kind, the week view, and their exports (CSV for Excel, XLSX)."""

import datetime

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import kitchen as kitchen_reads
from booking import selectors, service_days
from booking.models import Site
from portal import exports
from portal import selectors as portal_selectors
from portal.roles import staff_permission

LIST_HEADERS = ["Date", "Site", "Repas", "Nom", "Prénom", "Classe", "Groupe"]
COUNT_HEADERS = ["Date", "Site", "Repas", "Enfants"]


def _day(raw: str) -> datetime.date | None:
    """The day asked, if it is one a school could serve (not year 1 nor 9999)."""
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if exports.FIRST_YEAR <= day.year <= exports.LAST_YEAR else None


def _site(raw: str):
    return Site.objects.filter(pk=int(raw)).first() if raw.isdecimal() and len(raw) < 10 else None


@staff_permission("booking.view_kitchen_list")
def kitchen(request):
    """One day's meals: the day asked, else the next service day (Monday after a Friday,
    the first day back after the holidays)."""
    today = timezone.localdate()
    day = _day(request.GET.get("jour", ""))
    if day is None:
        day = service_days.next_service_day(today) or today
    site = _site(request.GET.get("site", ""))
    groups = selectors.kitchen_list(day, site)
    fmt = request.GET.get("format")
    if fmt in exports.FORMATS:
        rows = [
            [
                day,
                meal_site.name,
                meal_kind.name,
                child.last_name,
                child.first_name,
                child.class_name,
                group,
            ]
            for (meal_site, meal_kind), children in groups.items()
            for child, group in children
        ]
        return exports.export_response(
            fmt,
            filename=f"cuisine-{day:%Y-%m-%d}",
            title=_("Cuisine %(day)s") % {"day": f"{day:%d-%m-%Y}"},
            headers=LIST_HEADERS,
            rows=rows,
        )
    sections = _health_sections(request, groups)
    return render(
        request,
        "booking/kitchen.html",
        {
            "sections": sections,
            "diets_total": _diets_total(sections),
            "day": day,
            "today": today,
            "previous_day": service_days.previous_service_day(day),
            "next_day": service_days.next_service_day(day),
            "site": site,
            "sites": Site.objects.all(),
            "groups": groups,
            "children_total": sum(len(children) for children in groups.values()),
            "menu_key": "kitchen",
        },
    )


def _health_sections(request, groups):
    """Per site and meal kind: the children, the count per (validated) diet, and, for staff
    allowed to read health data, the children with an allergy or a PAI (access logged)."""
    child_ids = [child.pk for children in groups.values() for child, _group in children]
    diets = portal_selectors.diets_of(child_ids)
    badges = portal_selectors.health_badges(
        children=child_ids, viewer=request.user, page="gestion/cuisine", allergy_or_pai_only=True
    )
    sections = []
    for key, children in groups.items():
        counts = [
            (label, sum(1 for child, _g in children if diets.get(child.pk) == code))
            for code, label in portal_selectors.diet_choices()
        ]
        flagged = [(child, badges[child.pk]) for child, _g in children if child.pk in badges]
        sections.append((key, children, [(label, n) for label, n in counts if n], flagged))
    return sections


def _diets_total(sections):
    totals = {}
    for _key, _children, counts, _flagged in sections:
        for label, n in counts:
            totals[label] = totals.get(label, 0) + n
    return list(totals.items())


@staff_permission("booking.view_kitchen_list")
def kitchen_week(request):
    """The week's counts: per day, site and meal kind."""
    day = _day(request.GET.get("jour", "")) or (
        service_days.next_service_day(timezone.localdate()) or timezone.localdate()
    )
    monday, sunday = kitchen_reads.week_of(day)
    site = _site(request.GET.get("site", ""))
    counts = kitchen_reads.kitchen_counts(monday, sunday, site)
    fmt = request.GET.get("format")
    if fmt in exports.FORMATS:
        return _counts_file(fmt, counts, f"cuisine-semaine-{monday:%Y-%m-%d}")
    served = set(service_days.service_days(monday, sunday))
    days = [d for d in counts.days if d in served or counts.day_total(d)]
    table = [
        (site_row, kind, [counts.of(d, site_row, kind) for d in days])
        for site_row in counts.sites
        for kind in counts.meal_kinds
    ]
    return render(
        request,
        "booking/kitchen_week.html",
        {
            "monday": monday,
            "sunday": sunday,
            "days": days,
            "totals": [counts.day_total(d) for d in days],
            "table": table,
            "site": site,
            "sites": Site.objects.all(),
            "previous_week": monday - datetime.timedelta(days=7),
            "next_week": monday + datetime.timedelta(days=7),
            "menu_key": "kitchen",
        },
    )


def _counts_file(fmt, counts, filename):
    """Children per day, site and meal kind, and per diet (counts only: no name, no
    allergy, no free text)."""
    diets = portal_selectors.diet_choices()
    rows = [
        [
            day,
            site.name,
            kind.name,
            n,
            *(counts.diet_count(day, site, kind, code) for code, _l in diets),
        ]
        for day, site, kind, n in counts.rows()
    ]
    headers = [*COUNT_HEADERS, *(label[:1].upper() + label[1:] for _code, label in diets)]
    return exports.export_response(
        fmt, filename=filename, title=_("Effectifs cuisine"), headers=headers, rows=rows
    )


@staff_permission("booking.view_kitchen_list")
def kitchen_counts_export(request):
    """Exports page: children per day, site and meal kind over a period."""
    period, refused = exports.period_or_redirect(request)
    if refused:
        return refused
    first, last = period
    counts = kitchen_reads.kitchen_counts(first, last)
    return _counts_file(
        exports.export_format(request.GET),
        counts,
        f"effectifs-cuisine-{first:%Y-%m-%d}-{last:%Y-%m-%d}",
    )
