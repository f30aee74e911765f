"""Reads of the outbox for other apps (the workspace's dashboard)."""

from django.db.models import Count

from notifications.models import OutboxEmail


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
