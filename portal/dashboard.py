"""portal's panels of the Tableau de bord: "Nous contacter" messages, e-mails failed."""

import datetime

from django.db.models import Count
from django.utils import timezone

from notifications import selectors as notification_selectors
from portal.models import ContactMessage

NEW_FOR = datetime.timedelta(days=7)
SHOWN = 5


def messages_panel(request, now=None) -> dict:
    """Messages of the last seven days, the newest first."""
    now = now or timezone.now()
    recent = ContactMessage.objects.filter(created_at__gte=now - NEW_FOR)
    return {
        "count": recent.aggregate(n=Count("id"))["n"],
        "latest": list(recent.select_related("household").order_by("-created_at")[:SHOWN]),
    }


def emails_panel(request) -> dict:
    return notification_selectors.failed_emails(limit=SHOWN)
