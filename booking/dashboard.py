"""booking's panels of the Tableau de bord (registered in BookingConfig.ready())."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from booking import service_days
from portal.charts import Series, bar_chart


def next_day_panel(request) -> dict:
    """The next service day: meals reserved per site and meal kind, against places."""
    today = timezone.localdate()
    day = service_days.next_service_day(today)
    if day is None:
        return {"day": None, "sites": []}
    sites = service_days.day_load(day)
    return {
        "day": day,
        "sites": sites,
        "reserved": sum(s.reserved for s in sites),
        "capacity": sum(s.capacity for s in sites),
    }


def month_panel(request) -> dict:
    """This month's meals per service day, against the places, as a chart."""
    month = timezone.localdate().replace(day=1)
    rows = service_days.month_load(month)
    month_name = date_format(month, "F Y")
    chart = bar_chart(
        key="repas-du-mois",
        title=_("Repas réservés par jour en %(month)s") % {"month": month_name},
        description=_(
            "Pour chaque jour de service du mois, les repas réservés (barre pleine) "
            "et les places de tous les sites (barre claire)."
        ),
        categories=[date_format(day, "D d") for day, _n, _c in rows],
        series=[
            Series(_("Places"), "bar-capacity", [capacity for _d, _n, capacity in rows]),
            Series(_("Repas réservés"), "bar-reserved", [n for _d, n, _c in rows]),
        ],
        overlay_first=True,
    )
    return {"chart": chart, "month": month, "total": sum(n for _d, n, _c in rows)}
