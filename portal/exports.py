"""Every file the workspace exports, written one way: CSV for Excel (`;`, UTF-8 BOM, dates
18/12/2017, decimals "4,70") and XLSX (openpyxl: numbers stay numbers, dates stay dates).

Apps list their exports on the page gestion/exports/ with register_export() (from
AppConfig.ready()); each export is a view of its app that builds headers and rows and
returns export_response(). portal is the lowest app that booking and ledger both import.

    return export_response(fmt, filename="reservations-2026-12", title="Réservations",
                           headers=["Date", "Foyer", "Tarif"], rows=[[day, name, price]])
"""

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

FORMATS = ("csv", "xlsx")
MAX_PERIOD_DAYS = 400
# Dates typed outside these years are typing mistakes (and 9999-12-31 has no next day).
FIRST_YEAR, LAST_YEAR = 2000, 2100
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Export:
    key: str
    label: str
    description: str
    url_name: str
    permission: str
    order: int
    period: bool  # asks for a period (du … au)


_exports: dict[str, Export] = {}


def register_export(
    *,
    key: str,
    label: str,
    description: str,
    url_name: str,
    permission: str,
    order: int,
    period: bool = True,
) -> None:
    _exports[key] = Export(key, label, description, url_name, permission, order, period)


def exports_for(user) -> list[Export]:
    """The exports the user holds the permission of, in order."""
    return [
        e for e in sorted(_exports.values(), key=lambda e: e.order) if user.has_perm(e.permission)
    ]


# Values ------------------------------------------------------------------------------


def french_text(value) -> str:
    """A cell as CSV text: 4,70 ; 18/12/2017 ; 18/12/2017 14:05."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value) if timezone.is_aware(value) else value:%d/%m/%Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def write_csv(headers: list[str], rows: Iterable[list]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 with the accents right
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([french_text(value) for value in row])
    return out.getvalue().encode("utf-8")


def write_xlsx(title: str, headers: list[str], rows: Iterable[list]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, datetime.datetime) and timezone.is_aware(value):
                value = timezone.localtime(value).replace(tzinfo=None)
            cells.append(value)
        sheet.append(cells)
        for cell, value in zip(sheet[sheet.max_row], cells, strict=True):
            if isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(value, datetime.datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
    for column in sheet.columns:
        width = max(len(french_text(cell.value)) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 50)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_response(
    fmt: str, *, filename: str, title: str, headers: list[str], rows: Iterable[list]
) -> HttpResponse:
    """The file as a download: `fmt` is "csv" or "xlsx"; `filename` without extension."""
    if fmt == "xlsx":
        response = HttpResponse(write_xlsx(title, headers, rows), content_type=XLSX_TYPE)
    else:
        fmt = "csv"
        response = HttpResponse(write_csv(headers, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


# The period of an export -------------------------------------------------------------


class BadPeriod(ValueError):
    """The period typed is not a period: the message says why, in French."""


def parse_period(params, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """`du` and `au` (YYYY-MM-DD, as a date input sends them, or 18/12/2017); this month
    when both are empty."""
    today = today or timezone.localdate()
    raw_first, raw_last = params.get("du", "").strip(), params.get("au", "").strip()
    if not raw_first and not raw_last:
        first = today.replace(day=1)
        last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        return first, last
    first, last = _date(raw_first), _date(raw_last)
    if first is None or last is None:
        raise BadPeriod(_("Indiquez les deux dates de la période, par exemple 01/09/2026."))
    if last < first:
        raise BadPeriod(_("La date de fin précède la date de début."))
    if (last - first).days > MAX_PERIOD_DAYS:
        raise BadPeriod(
            _("La période ne peut dépasser %(days)s jours.") % {"days": MAX_PERIOD_DAYS}
        )
    return first, last


def _date(raw: str) -> datetime.date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
        return day if FIRST_YEAR <= day.year <= LAST_YEAR else None
    return None


def export_format(params) -> str:
    fmt = params.get("format", "csv")
    return fmt if fmt in FORMATS else "csv"


def period_or_redirect(request):
    """((first, last), None) from the request, or (None, a redirect to the exports page
    with the reason as an error message)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    try:
        return parse_period(request.GET), None
    except BadPeriod as error:
        messages.error(request, str(error))
        return None, redirect("gestion_exports")
