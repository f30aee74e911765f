"""Reads on the outbox for the workspace: what was sent to a family, what failed."""

from django.db.models import Count
from django.db.models.functions import Lower

from notifications.models import OutboxEmail

_LISTED = ("pk", "to_email", "subject", "status", "created_at", "sent_at", "last_error", "template")


def emails_to(*, addresses: list[str], limit: int = 30) -> list[OutboxEmail]:
    """Rows addressed to any of `addresses` (case-insensitive), newest first: one query."""
    wanted = sorted({address.lower() for address in addresses if address})
    if not wanted:
        return []
    return list(
        OutboxEmail.objects.annotate(to_lower=Lower("to_email"))
        .filter(to_lower__in=wanted)
        .only(*_LISTED)
        .order_by("-created_at", "-pk")[:limit]
    )


def emails_by_ids(*, ids: list[int]) -> list[OutboxEmail]:
    """Rows by id (the e-mails of one bulk sending), in id order: one query."""
    return list(OutboxEmail.objects.filter(pk__in=ids).only(*_LISTED).order_by("pk"))


def failed_emails(*, limit: int = 5) -> dict:
    """E-mails given up on: how many, and the latest `limit` (recipient, subject, error)."""
    failed = OutboxEmail.objects.filter(status=OutboxEmail.Status.FAILED)
    return {
        "count": failed.aggregate(n=Count("id"))["n"],
        "latest": list(
            failed.order_by("-created_at").only(
                "to_email", "subject", "last_error", "created_at", "attempts"
            )[:limit]
        ),
    }
