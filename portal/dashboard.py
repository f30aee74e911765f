"""portal's panels of the Tableau de bord: "Nous contacter" messages, e-mails failed."""

from django.db.models import Count

from notifications import selectors as notification_selectors
from portal.models import ContactMessage

SHOWN = 5


def messages_panel(request) -> dict:
    """The messages nobody has taken yet (status "nouveau"), the newest first."""
    new = ContactMessage.objects.filter(status=ContactMessage.Status.NEW)
    return {
        "count": new.aggregate(n=Count("id"))["n"],
        "latest": list(new.select_related("household").order_by("-created_at")[:SHOWN]),
    }


def emails_panel(request) -> dict:
    return notification_selectors.failed_emails(limit=SHOWN)
