"""Celery hygiene: time limits on every task, periodic work fanned out one task per commune
under a lock, sessions cleared daily in every schema, none created for an anonymous page."""

import importlib
import json
import time
from datetime import timedelta

import pytest
import redis
from celery.schedules import crontab
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from tests.factories import PASSWORD, UserFactory

APPS = ["booking", "ledger", "notifications", "tenants", "tipi"]
PER_COMMUNE = {
    "booking.tasks.expire_holds": ("booking.tasks.expire_holds_in_commune", False),
    "tipi.tasks.reconcile_payments": ("tipi.tasks.reconcile_payments_in_commune", False),
    "tenants.tasks.sweep_outbox": ("tenants.tasks.sweep_outbox_in_schema", True),
    "tenants.tasks.clear_sessions": ("tenants.tasks.clear_sessions_in_schema", True),
}
LOCKS = {
    "booking.tasks.expire_holds_in_commune": "expire-holds",
    "tipi.tasks.reconcile_payments_in_commune": "reconcile-payments",
    "tenants.tasks.sweep_outbox_in_schema": "sweep-outbox",
    "tenants.tasks.clear_sessions_in_schema": "clear-sessions",
}


def our_tasks():
    for app in APPS:
        importlib.import_module(f"{app}.tasks")
    return {name: task for name, task in celery_app.tasks.items() if name.split(".")[0] in APPS}


def task(name):
    return our_tasks()[name]


def test_every_task_has_its_own_soft_and_hard_time_limits():
    tasks = our_tasks()
    assert len(tasks) >= 10
    for name, each in tasks.items():
        assert each.soft_time_limit and each.time_limit, name
        assert each.soft_time_limit < each.time_limit, name
    # A row still "sending" after the stale delay cannot belong to a worker still at it.
    assert task("notifications.tasks.send_outbox_email").time_limit < settings.OUTBOX_STALE_SECONDS
    # A lock outlives its holder's hard limit (LOCKS' ttl is checked in the tasks' code).
    assert celery_app.conf.task_time_limit and celery_app.conf.task_soft_time_limit


def test_the_beat_schedule_clears_sessions_daily():
    schedule = settings.CELERY_BEAT_SCHEDULE
    entry = next(e for e in schedule.values() if e["task"] == "tenants.tasks.clear_sessions")
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].remaining_estimate(timezone.now()) <= timedelta(days=1)
    assert {e["task"] for e in schedule.values()} >= set(PER_COMMUNE)


@pytest.fixture
def queue():
    """The test broker's default queue, read as the worker would receive it."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    celery_app.control.purge()

    def messages():
        prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
        raw = client.lrange(prefix + "celery", 0, -1)
        return [json.loads(item)["headers"] for item in raw]

    yield messages
    celery_app.control.purge()


@pytest.mark.parametrize("beat_task", sorted(PER_COMMUNE))
def test_periodic_work_fans_out_one_task_per_commune(clairoix, les_ageux, queue, beat_task):
    per_commune, with_public = PER_COMMUNE[beat_task]
    expected = [clairoix.schema_name, les_ageux.schema_name] + (["public"] if with_public else [])
    assert task(beat_task)() == len(expected)
    queued = [(h["task"], h["_schema_name"]) for h in queue()]
    assert sorted(queued) == sorted((per_commune, schema) for schema in expected)


def lock_key(name, schema_name):
    return f"{settings.REDIS_KEY_PREFIX}lock:{name}:{schema_name}"


@pytest.fixture
def locks():
    client = redis.Redis.from_url(settings.PERIODIC_LOCK_REDIS_URL)
    taken = []

    def take(name, schema_name, ttl=60):
        key = lock_key(name, schema_name)
        assert client.set(key, "another-run", nx=True, ex=ttl)
        taken.append(key)

    yield take
    if taken:
        client.delete(*taken)


@pytest.mark.parametrize("per_commune", sorted(LOCKS))
def test_a_run_for_a_commune_skips_while_another_holds_its_lock(
    in_clairoix, les_ageux, locks, per_commune
):
    run = task(per_commune)
    locks(LOCKS[per_commune], in_clairoix.schema_name)
    assert run() is None  # skipped: another run for Clairoix is at work
    with schema_context(les_ageux.schema_name):
        assert run() is not None  # Les Ageux is not held up by Clairoix


def test_a_lock_left_by_a_killed_worker_expires(in_clairoix, locks):
    from notifications.models import OutboxEmail
    from notifications.services import queue_email

    queued = queue_email(
        to="parent@example.org",
        template="tenants/commune_invitation",
        context={"commune": in_clairoix, "invitation_url": "http://x"},
    )
    OutboxEmail.objects.filter(pk=queued.pk).update(
        next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    sweep = task("tenants.tasks.sweep_outbox_in_schema")
    locks("sweep-outbox", connection.schema_name, ttl=1)
    assert sweep() is None
    time.sleep(1.2)
    assert sweep() == 1
    celery_app.control.purge()


def make_session(key, expires):
    return Session.objects.create(session_key=key, session_data="x", expire_date=expires)


def test_clearing_sessions_removes_the_expired_ones_of_that_schema_only(clairoix, les_ageux):
    now = timezone.now()
    with schema_context(les_ageux.schema_name):
        make_session("ageux-expired", now - timedelta(days=1))
    with schema_context(clairoix.schema_name):
        make_session("clairoix-expired", now - timedelta(minutes=1))
        make_session("clairoix-live", now + timedelta(days=1))
        assert task("tenants.tasks.clear_sessions_in_schema")() is True
        assert list(Session.objects.values_list("session_key", flat=True)) == ["clairoix-live"]
    with schema_context(les_ageux.schema_name):
        assert Session.objects.filter(session_key="ageux-expired").exists()


def test_an_anonymous_login_page_creates_no_session_row(clairoix):
    with schema_context(clairoix.schema_name):
        UserFactory(email="parent@example.org")
    client = Client(enforce_csrf_checks=True)
    page = client.get("/Clairoix/")
    assert page.status_code == 200
    with schema_context(clairoix.schema_name):
        assert Session.objects.count() == 0
    assert not [name for name in page.cookies if name.startswith("preau_session")]
    csrf = page.cookies[f"preau_csrf_{clairoix.schema_name}"]
    assert csrf["path"] == "/Clairoix/" and csrf["httponly"]

    login = client.post(
        "/Clairoix/",
        {
            "username": "parent@example.org",
            "password": PASSWORD,
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
    )
    assert login.status_code == 302  # the token in the cookie is accepted
    with schema_context(clairoix.schema_name):
        assert Session.objects.count() == 1
