"""Idle sessions end: a parent's after SESSION_IDLE_PARENT_SECONDS without a request, a
staff member's after SESSION_IDLE_STAFF_SECONDS."""

import time

from django.conf import settings
from django.contrib.auth import logout

from tenants import page_cache

LAST_SEEN_KEY = "preau_last_seen"
page_cache.VOLATILE_SESSION_KEYS.add(LAST_SEEN_KEY)  # a cached page does not show it
# The last-seen time is written at most this often, not on every request.
LAST_SEEN_RESOLUTION = 60


def idle_limit(user) -> int:
    return (
        settings.SESSION_IDLE_STAFF_SECONDS
        if user.is_staff
        else (settings.SESSION_IDLE_PARENT_SECONDS)
    )


def start_idle_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(time.time())


class IdleTimeoutMiddleware:
    """After AuthenticationMiddleware. An idle session is flushed; the page then answers as
    for anyone logged out (login page, or its redirect)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if isinstance(last_seen, int) and now - last_seen > idle_limit(user):
                logout(request)
            elif not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
