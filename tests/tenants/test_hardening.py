"""Production checks, Content-Security-Policy, privacy headers, idle sessions."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_passes_with_production_settings_and_no_warning():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x7!Kp2#vQ9@mZ4$wL8^nR3&tY6*bH1(cJ5)fD0-gS" + "a" * 20,
        "ALLOWED_HOSTS": "preau.example",
        "PAYFIP_SIMULATOR_ENABLED": "false",
    }
    env.pop("SECURE_COOKIES", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    re.compile(r"<style[\s>]", re.I),
    re.compile(r"\sstyle=", re.I),
    re.compile(r"\son[a-z]+=", re.I),
    re.compile(r"javascript:", re.I),
]


def assert_csp_clean(response):
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    page = response.content.decode()
    for pattern in INLINE:
        found = pattern.search(page)
        assert found is None, (
            response.request["PATH_INFO"],
            found and page[found.start() - 80 :][:200],
        )


@pytest.fixture
def staff_client(client, in_clairoix):
    from portal import roles

    user = UserFactory(email="admin@clairoix.test", is_staff=True)
    roles.give_role(user, roles.ADMINISTRATEUR)
    client.post("/Clairoix/admin/login/", {"username": user.email, "password": PASSWORD})
    return client


def test_parent_pages_carry_the_policy_and_nothing_it_would_block(
    parent_client,
    canteen,  # noqa: F811 - fixture
):
    for path in (
        "/Clairoix/accueil/",
        "/Clairoix/coordonnees/",
        "/Clairoix/coordonnees/vos-coordonnees/",
        "/Clairoix/nous-contacter/",
        "/Clairoix/reservations/",
        "/Clairoix/reservations/cant/reservation/",
        "/Clairoix/reservations/cant/compte/",
        "/Clairoix/reservations/cant/factures/",
    ):
        response = parent_client.get(path)
        assert response.status_code == 200, path
        assert_csp_clean(response)


def test_login_and_staff_pages_carry_the_policy_and_nothing_it_would_block(
    staff_client,
    canteen,  # noqa: F811 - fixture
):
    from django.test import Client

    assert_csp_clean(Client().get("/Clairoix/"))
    assert_csp_clean(Client().get("/Clairoix/mot-de-passe-oublie/"))
    for path in (
        "/Clairoix/gestion/cuisine/",
        "/Clairoix/admin/",
        "/Clairoix/admin/booking/service/",
        "/Clairoix/admin/booking/service/add/",
        "/Clairoix/admin/portal/household/add/",
        "/Clairoix/admin/ledger/document/totaux/",
        "/Clairoix/admin/accounts/user/",
    ):
        response = staff_client.get(path)
        assert response.status_code == 200, path
        assert_csp_clean(response)


def test_privacy_headers_on_a_family_page(parent_client):
    response = parent_client.get("/Clairoix/accueil/")
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache
    assert response["X-Frame-Options"] == "DENY"


class Clock:
    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("portal.accounts.middleware.time", clock)
    return clock


def test_a_parent_session_ends_after_30_idle_minutes(parent_client, clock, settings):
    assert settings.SESSION_IDLE_PARENT_SECONDS == 30 * 60
    assert parent_client.get("/Clairoix/accueil/").status_code == 200
    clock.now += 29 * 60
    assert parent_client.get("/Clairoix/accueil/").status_code == 200  # activity counts
    clock.now += 29 * 60
    assert parent_client.get("/Clairoix/accueil/").status_code == 200
    clock.now += 31 * 60
    response = parent_client.get("/Clairoix/accueil/")
    assert response.status_code == 302 and response["Location"].startswith("/Clairoix/?next=")
    assert parent_client.get("/Clairoix/accueil/").status_code == 302


def test_a_staff_session_lasts_2_idle_hours(staff_client, clock, settings):
    assert settings.SESSION_IDLE_STAFF_SECONDS == 2 * 3600
    assert staff_client.get("/Clairoix/admin/").status_code == 200
    clock.now += 90 * 60
    assert staff_client.get("/Clairoix/admin/").status_code == 200
    clock.now += 2 * 3600 + 60
    response = staff_client.get("/Clairoix/admin/")
    assert response.status_code == 302 and "/Clairoix/admin/login/" in response["Location"]


def test_the_idle_limits_are_settings(parent_client, clock, settings):
    settings.SESSION_IDLE_PARENT_SECONDS = 60
    parent_client.get("/Clairoix/accueil/")
    clock.now += 61
    assert parent_client.get("/Clairoix/accueil/").status_code == 302
