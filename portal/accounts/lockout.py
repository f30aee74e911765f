"""Failed logins (django-axes): who is locked, and the address a failure is counted from.

A lock holds the (e-mail, address) pair after AXES_FAILURE_LIMIT failures, and the e-mail
alone after AXES_USERNAME_FAILURE_LIMIT failures from any addresses. An address is never
locked by itself: behind the town hall's proxy or a school's NAT, strangers' failures do
not refuse a parent's right password.

The client address is REMOTE_ADDR, unless REMOTE_ADDR is one of TRUSTED_PROXIES: then it is
the last address of X-Forwarded-For that is not a trusted proxy (what the proxy saw)."""

import ipaddress
from functools import lru_cache

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy)


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request) -> str:
    """The address the request came from, through trusted proxies only."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not _trusted(_address(remote), networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",")):
        address = _address(hop)
        if address is None:
            break  # a forged or garbled entry: stop at the last proxy we trust
        if not _trusted(address, networks):
            return str(address)
        remote = str(address)
    return remote


class PairThenUsernameHandler(AxesDatabaseHandler):
    """Lock the (username, address) pair, and the username alone at a higher count.

    Needs AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]."""

    def get_failures(self, request, credentials=None) -> int:
        pair, username = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if username >= settings.AXES_USERNAME_FAILURE_LIMIT:
            return max(pair, get_failure_limit(request, credentials))
        return pair


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page of the place the login was tried: a commune or the console."""
    if getattr(request, "tenant", None) is None:
        template = "console/locked_out.html"
    else:
        template = "portal/locked_out.html"
    return render(request, template, status=429)
