"""The ledger's sections of the workspace household page: balance per service, the
statement of the last weeks and the latest documents. Registered in LedgerConfig.ready()."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger import selectors
from ledger.models import Document

STATEMENT_DAYS = 92
DOCUMENTS_SHOWN = 15


def balances(request, household):
    return {
        "accounts": list(
            selectors.accounts_with_balance().filter(household=household).order_by("service__name")
        )
    }


def statement(request, household):
    end = timezone.localdate()
    start = end - datetime.timedelta(days=STATEMENT_DAYS)
    codes = (
        selectors.accounts_with_balance()
        .filter(household=household)
        .order_by("service__name")
        .values_list("service__code", "service__name")
    )
    return {
        "statements": [
            (name, selectors.statement(household, code, start, end)) for code, name in codes
        ],
        "start": start,
        "end": end,
    }


def documents(request, household):
    return {
        "documents": list(
            Document.objects.filter(account__household=household)
            .select_related("account__service")
            .defer(*selectors.LIST_DEFERRED)
            .order_by("-issued_at", "-id")[:DOCUMENTS_SHOWN]
        )
    }


def register() -> None:
    from portal.gestion import register_household_section

    for key, title, context, order in (
        ("balances", _("Solde par service"), balances, 50),
        ("statement", _("Relevé de compte"), statement, 55),
        ("documents", _("Factures, avoirs et règlements"), documents, 60),
    ):
        register_household_section(
            key=key,
            title=title,
            template=f"ledger/gestion/sections/{key}.html",
            context=context,
            permission="ledger.view_document",
            order=order,
        )
