"""Lockout by (account, address) and by account alone; addresses through trusted proxies."""

import pytest
from django.test import Client, RequestFactory, override_settings

from portal.accounts.lockout import client_address
from tests.factories import PASSWORD

PROXY = "10.0.0.2"


def attempt(email, password, *, remote="192.0.2.10", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post("/Clairoix/", {"username": email, "password": password}, **extra)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.5", None, "203.0.113.5"),
        # Not a trusted proxy: its header is whatever the client wrote.
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),
        (PROXY, "198.51.100.7", "198.51.100.7"),
        # A client's own forged entries sit left of what the proxy appended.
        (PROXY, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (PROXY, "198.51.100.7, 10.0.0.3", "198.51.100.7"),  # two proxies of ours
        (PROXY, "pas-une-adresse", PROXY),
        (PROXY, None, PROXY),
        ("10.9.9.9", "198.51.100.7", "198.51.100.7"),  # a CIDR entry
    ],
)
def test_client_address_comes_from_trusted_proxies_only(remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    with override_settings(TRUSTED_PROXIES=[PROXY, "10.0.0.3", "10.9.0.0/16"]):
        assert client_address(request) == expected


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_strangers_behind_the_same_proxy_never_refuse_a_parents_right_password(blanchard, settings):
    # Many people behind the town hall's proxy get their passwords wrong, many times.
    for index in range(settings.AXES_USERNAME_FAILURE_LIMIT + 5):
        attempt(f"inconnu{index % 7}@example.org", "mauvais", remote=PROXY, forwarded="192.0.2.1")
    # Someone at another address tries Bertrand's account until that pair is locked.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(blanchard.user.email, "mauvais", remote=PROXY, forwarded="198.51.100.66")
    assert (
        attempt(blanchard.user.email, PASSWORD, remote=PROXY, forwarded="198.51.100.66").status_code
        == 429
    )
    # Bertrand, from the same proxy and even from the strangers' address, logs in.
    right = attempt(blanchard.user.email, PASSWORD, remote=PROXY, forwarded="192.0.2.1")
    assert right.status_code == 302 and right["Location"] == "/Clairoix/accueil/"


def test_a_forged_forwarded_header_does_not_escape_the_pair_lock(blanchard, settings):
    # Not behind a trusted proxy: a new X-Forwarded-For each time changes nothing.
    for index in range(settings.AXES_FAILURE_LIMIT):
        attempt(blanchard.user.email, "mauvais", forwarded=f"198.51.100.{index}")
    assert attempt(blanchard.user.email, PASSWORD, forwarded="198.51.100.99").status_code == 429
    # The parent at another address is not refused.
    assert attempt(blanchard.user.email, PASSWORD, remote="192.0.2.77").status_code == 302


def test_the_account_alone_is_locked_after_the_higher_count_from_many_addresses(
    blanchard, settings
):
    per_address = settings.AXES_FAILURE_LIMIT - 1  # never enough to lock a pair
    failures = 0
    address = 0
    while failures < settings.AXES_USERNAME_FAILURE_LIMIT:
        address += 1
        for _ in range(per_address):
            attempt(blanchard.user.email, "mauvais", remote=f"192.0.2.{address}")
            failures += 1
    assert attempt(blanchard.user.email, PASSWORD, remote="203.0.113.200").status_code == 429


def test_below_the_account_count_a_new_address_logs_in(blanchard, settings):
    for address in range(3):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            attempt(blanchard.user.email, "mauvais", remote=f"192.0.2.{address}")
    assert attempt(blanchard.user.email, PASSWORD, remote="203.0.113.200").status_code == 302
