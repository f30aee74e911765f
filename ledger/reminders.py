"""Reminders (relances) to households in debit: an e-mail through the outbox and a PDF letter
with the commune's mentions, one household or many, each one recorded with its journal row.

A household reminded twice on the same day for the same amount gets one reminder: sending the
same bulk twice (a double click, a retry) writes and e-mails nothing more.
"""

import datetime
import io

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from xhtml2pdf import pisa

from ledger.models import Reminder
from ledger.money import format_euros
from ledger.pdf import FONTS, POLICY, PdfRenderingError, _link_callback
from ledger.services import _author_name, _snapshot, ledger_settings
from ledger.unpaid import UnpaidHousehold, households_in_debit
from notifications.services import queue_email
from portal import services as portal_services
from portal.journal import record_staff_action
from portal.selectors import guardians_of
from tenants.links import commune_url, current_commune

ACTION = "ledger.reminder"


class ReminderRefused(Exception):
    """Nothing was sent; the message says why, in French."""


def _letter_snapshot(entry: UnpaidHousehold, now: datetime.datetime) -> dict:
    settings_row = ledger_settings()
    snapshot = _snapshot(settings_row, entry.household)
    snapshot.update(
        {
            "regie_name": settings_row.regie_name,
            "date": timezone.localdate(now).strftime("%d/%m/%Y"),
            "amount": format_euros(entry.amount),
            "oldest_unpaid": entry.oldest_unpaid.strftime("%d/%m/%Y")
            if entry.oldest_unpaid
            else "",
            "accounts": [
                {"service": a.service_name, "amount": a.amount_display} for a in entry.accounts
            ],
        }
    )
    return snapshot


def _send_one(entry: UnpaidHousehold, sent_by, now: datetime.datetime) -> Reminder:
    today = timezone.localdate(now)
    same = (
        Reminder.objects.filter(household=entry.household, amount=entry.amount, sent_at__date=today)
        .order_by("-sent_at")
        .first()
    )
    if same is not None:
        return same
    reminder = Reminder.objects.create(
        household=entry.household,
        sent_at=now,
        amount=entry.amount,
        oldest_unpaid=entry.oldest_unpaid,
        sent_by=sent_by,
        sent_by_name=_author_name(sent_by),
        snapshot=_letter_snapshot(entry, now),
    )
    commune = current_commune()
    context = {
        "commune": commune,
        "household_name": entry.household.name,
        "amount": reminder.snapshot["amount"],
        "oldest_unpaid": reminder.snapshot["oldest_unpaid"],
        "accounts": reminder.snapshot["accounts"],
        "payment_terms": reminder.snapshot["payment_terms"],
        "regie_name": reminder.snapshot["regie_name"],
        "portal_url": commune_url(commune, "portal:login") if commune else "",
    }
    emails = 0
    for guardian in guardians_of(entry.household):
        if not guardian.user.email:
            continue
        queue_email(
            to=guardian.user.email,
            template="ledger/reminder",
            context=context,
            idempotency_key=f"reminder:{reminder.pk}:{guardian.user_id}",
        )
        emails += 1
    if emails:
        Reminder.objects.filter(pk=reminder.pk).update(emails=emails)
        reminder.emails = emails
    record_staff_action(
        actor=sent_by,
        action=ACTION,
        summary=_("Relance de %(amount)s envoyée à %(household)s")
        % {"amount": reminder.snapshot["amount"], "household": entry.household.name},
        household_id=entry.household.pk,
        details={"reminder_id": reminder.pk, "amount": str(entry.amount), "emails": emails},
    )
    return reminder


def reminders_send(
    *, household_ids: list[int], sent_by, now: datetime.datetime | None = None
) -> list[Reminder]:
    """Send a reminder to each household of `household_ids` that is in debit, in one
    transaction: the reminder row, one e-mail per guardian, the journal row. Households no
    longer in debit are left out; ReminderRefused when none is."""
    now = now or timezone.now()
    with transaction.atomic():
        portal_services.lock_households(household_ids=household_ids)
        entries = households_in_debit(household_ids=household_ids)
        if not entries:
            raise ReminderRefused(_("Aucun de ces foyers n'est en impayé."))
        return [_send_one(entry, sent_by, now) for entry in entries]


def reminder_send(*, household_id: int, sent_by, now: datetime.datetime | None = None) -> Reminder:
    """One household's reminder (see reminders_send)."""
    return reminders_send(household_ids=[household_id], sent_by=sent_by, now=now)[0]


def render_letters(reminders: list[Reminder]) -> bytes:
    """The reminders' PDF letters, one a page, each drawn from what was frozen when it was
    sent (so a letter downloaded later is the one that was sent)."""
    html = render_to_string(
        "ledger/pdf/reminder.html",
        {
            "letters": [r.snapshot for r in reminders],
            "fonts": {key: str(path) for key, path in FONTS.items()},
        },
    )
    output = io.BytesIO()
    result = pisa.pisaDocument(
        html, dest=output, encoding="utf-8", link_callback=_link_callback, resource_policy=POLICY
    )
    if result.err:
        raise PdfRenderingError("xhtml2pdf failed on reminder letters")
    return output.getvalue()


def render_letter(reminder: Reminder) -> bytes:
    return render_letters([reminder])
