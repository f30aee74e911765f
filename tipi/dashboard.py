"""tipi's panel of the Tableau de bord: card payments waiting for, or stuck at, the Treasury."""

import datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone

from tipi.models import PaymentOperation
from tipi.payfip import PAYMENT_PAGE_VALIDITY

# Past its page's validity and a margin, an operation the Treasury has not answered is stuck.
STUCK_AFTER = PAYMENT_PAGE_VALIDITY + datetime.timedelta(minutes=5)
LIVE = [PaymentOperation.Status.NEW, PaymentOperation.Status.PENDING]
SHOWN = 5


def payments_panel(request, now=None) -> dict:
    now = now or timezone.now()
    stuck = Q(created_at__lte=now - STUCK_AFTER)
    live = PaymentOperation.objects.filter(status__in=LIVE)
    figures = live.aggregate(
        pending=Count("id", filter=~stuck),
        pending_amount=Sum("amount", filter=~stuck),
        stuck=Count("id", filter=stuck),
        stuck_amount=Sum("amount", filter=stuck),
    )
    oldest = list(live.filter(stuck).select_related("household").order_by("created_at")[:SHOWN])
    return {**figures, "oldest": oldest}
