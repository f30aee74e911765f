"""Periodic work batched per commune: a beat task fans out one task per schema, and each of
those runs under a lock so that two runs for one commune never overlap.

The lock is a Redis key with an expiry (longer than the task's hard time limit, so it
cannot lapse while its holder still runs, and a killed worker frees it by expiry). With the
filesystem broker of `make run` (no Redis) a PostgreSQL advisory lock stands in: it is held
by the worker's connection and freed when that connection ends.
"""

import contextlib
import zlib

import redis
from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name

from notifications.publish import publish
from tenants.selectors import all_communes


def schemas(*, include_public: bool = False) -> list[str]:
    names = [commune.schema_name for commune in all_communes()]
    return [get_public_schema_name(), *names] if include_public else names


def fan_out(task, *, include_public: bool = False) -> int:
    """Queue `task` once in every commune's schema (and the public one if asked); returns
    how many were queued."""
    return sum(publish(task, schema_name=name) for name in schemas(include_public=include_public))


def _redis():
    return redis.Redis.from_url(
        settings.PERIODIC_LOCK_REDIS_URL, socket_connect_timeout=2, socket_timeout=5
    )


@contextlib.contextmanager
def commune_lock(name: str, *, ttl: int):
    """Yields True when this run holds `name` for the current schema, False when another
    run does (the caller then skips its turn)."""
    key = f"{settings.REDIS_KEY_PREFIX}lock:{name}:{connection.schema_name}"
    if settings.PERIODIC_LOCK_REDIS_URL is None:
        with _advisory_lock(key) as held:
            yield held
        return
    lock = _redis().lock(key, timeout=ttl, blocking=False)
    held = lock.acquire()
    try:
        yield held
    finally:
        if held:
            with contextlib.suppress(redis.exceptions.LockError):
                lock.release()


@contextlib.contextmanager
def _advisory_lock(key: str):
    number = zlib.crc32(key.encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [number])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [number])
