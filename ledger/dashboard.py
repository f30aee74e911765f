"""ledger's panels of the Tableau de bord: money per month, households in debit."""

import datetime
from collections import defaultdict

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ledger.models import Account, Document
from ledger.money import format_euros
from ledger.selectors import ZERO, _signed_sum, start_of_day
from portal.charts import Series, bar_chart

MONTHS = 12


def first_month(today: datetime.date, months: int) -> datetime.date:
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        month += 12
        year -= 1
    return datetime.date(year, month, 1)


def money_by_month(*, months: int = MONTHS, today: datetime.date | None = None) -> list[dict]:
    """Per month of the last `months`: invoiced, credited, paid, and paid per mode."""
    today = today or timezone.localdate()
    start = first_month(today, months)
    rows = (
        Document.objects.filter(issued_at__gte=start_of_day(start))
        .annotate(month=TruncMonth("issued_at"))
        .values("month", "kind", "payment_mode")
        .annotate(total=Sum("total"))
        .order_by()
    )
    totals = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        month = timezone.localtime(row["month"]).date().replace(day=1)
        key = row["kind"] if row["kind"] != Document.Kind.PAYMENT else "RG"
        totals[month][key] += row["total"]
        if row["kind"] == Document.Kind.PAYMENT:
            totals[month]["mode:" + (row["payment_mode"] or "")] += row["total"]
    result = []
    month = start
    while month <= today:
        values = totals[month]
        result.append(
            {
                "month": month,
                "invoiced": values[Document.Kind.INVOICE],
                "credited": values[Document.Kind.CREDIT_NOTE],
                "paid": values["RG"],
                "modes": [
                    (label, values["mode:" + code]) for code, label in Document.PaymentMode.choices
                ],
            }
        )
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return result


def debit_summary() -> dict:
    """Households whose balance of some service is negative: how many, and how much."""
    in_debit = (
        Account.objects.annotate(balance_amount=_signed_sum("documents__"))
        .filter(balance_amount__lt=0)
        .aggregate(households=Count("household", distinct=True), total=Sum("balance_amount"))
    )
    return {
        "households": in_debit["households"] or 0,
        "total": -(in_debit["total"] or ZERO),
    }


def money_panel(request) -> dict:
    rows = money_by_month()
    chart = bar_chart(
        key="argent-par-mois",
        title=_("Factures, avoirs et règlements par mois"),
        description=_(
            "Pour chacun des %(n)s derniers mois, le montant facturé, les avoirs et les "
            "règlements reçus, en euros."
        )
        % {"n": MONTHS},
        categories=[date_format(row["month"], "M Y") for row in rows],
        series=[
            Series(_("Facturé"), "bar-out", [row["invoiced"] for row in rows]),
            Series(_("Avoirs"), "bar-credit", [row["credited"] for row in rows]),
            Series(_("Règlements"), "bar-in", [row["paid"] for row in rows]),
        ],
        value_format=format_euros,
    )
    this_month = rows[-1]
    return {"chart": chart, "this_month": this_month, "rows": rows}


def debit_panel(request) -> dict:
    return debit_summary()
