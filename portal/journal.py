"""The staff journal: who did what, when, written in the transaction of the change.

As Zulip's RealmAuditLog: the service that makes a staff change calls record_staff_action()
inside its own `transaction.atomic()`, so the row commits or rolls back with the change.

    with transaction.atomic():
        ...the change...
        record_staff_action(actor=agent, action="booking.closure",
                            summary="Fermeture du 18/12/2017 : grève", details={...})

Each app names its action codes with register_action() (in AppConfig.ready()) so the
journal page shows them in French.
"""

from django.core.paginator import Page, Paginator
from django.db import connection

from portal.models import Household, JournalEntry

PAGE_SIZE = 50

_labels: dict[str, str] = {}


class NotInTransaction(RuntimeError):
    """record_staff_action() was called outside the change's transaction."""


def register_action(code: str, label: str) -> None:
    """The French label of an action code ("booking.closure" → "Fermeture")."""
    _labels[code] = label


def action_label(code: str) -> str:
    return _labels.get(code, code)


def action_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in _labels.items()), key=lambda c: c[1])


def record_staff_action(
    *,
    actor,
    action: str,
    summary: str,
    household_id: int | None = None,
    details: dict | None = None,
) -> JournalEntry:
    """Write the journal row of a staff change, in the caller's transaction."""
    if not connection.in_atomic_block:
        raise NotInTransaction("record_staff_action() belongs inside the change's transaction")
    return JournalEntry.objects.create(
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        action=action,
        summary=summary,
        household_id=household_id,
        details=details or {},
    )


def journal_entries(
    *, household_id: int | None = None, action: str | None = None, page: int = 1
) -> Page:
    """The journal, newest first, one page of PAGE_SIZE (a page past the end is the last)."""
    entries = JournalEntry.objects.select_related("household").order_by("-created_at", "-pk")
    if household_id is not None:
        entries = entries.filter(household_id=household_id)
    if action:
        entries = entries.filter(action=action)
    return Paginator(entries, PAGE_SIZE).get_page(page)


def journal_household(household_id: int):
    """The household a journal filter names, or None."""
    return Household.objects.filter(pk=household_id).first()


def journal_households() -> list[tuple[int, str]]:
    """(id, name) of the households the journal names, for its filter."""
    return list(
        Household.objects.filter(journal_entries__isnull=False)
        .distinct()
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


def journal_entry(*, entry_id: int, action: str | None = None) -> JournalEntry | None:
    """One journal row (of `action` when given), or None."""
    entries = JournalEntry.objects.filter(pk=entry_id)
    if action:
        entries = entries.filter(action=action)
    return entries.first()


def entries_with_token(*, action: str, token: str) -> list[JournalEntry]:
    """The rows of `action` whose details carry this idempotency token, oldest first."""
    return list(JournalEntry.objects.filter(action=action, details__token=token).order_by("pk"))


def journal_entry_exists(*, action: str, details: dict) -> bool:
    """Whether a row of that action already carries these details (a retried write)."""
    return JournalEntry.objects.filter(action=action, details__contains=details).exists()
