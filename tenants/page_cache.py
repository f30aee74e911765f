"""Parents' pages served again from Redis while nothing they show can have changed.

A page is stored with the data versions it was rendered under: one token per commune
schema and one for the public schema, each rewritten in Redis when a transaction that wrote
to it commits (`watch_writes`, an execute wrapper on every database connection of every
process: web, worker, beat, commands). Any write counts except the session and login
attempt tables and the e-mail outbox, which no cached page shows, and the statements apps
declare unseen (`ignore_statement`: a login's last-login time). A request serves the
stored page only when both tokens are still those it was rendered under, it is for the same
session key, path and query (the entry's key), the same user and session content (`who`,
checked in the entry), no message is waiting and its time has not passed (`valid_until`:
the planning's next cut-off, a statement's midnight, at most MAX_AGE seconds). The tokens
are read before anything is rendered, so a page can never be stored under a token newer
than what it shows. The CSRF token is put in fresh on each hit.

The tokens and the entry are read with the node caches' tokens, in the routing middleware's
one MGET (`prefetch_keys`, under the schema the slug had in this process's last request;
`keep_prefetched` once the commune is known): a page served again costs one Redis round
trip. Otherwise (first request of a process, a POST) the decorator reads them itself.

Redis unreachable: nothing is served or stored, pages are rendered as before.
"""

import datetime
import functools
import hashlib
import json
import logging
import re
import threading
import time
import uuid

import redis
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from tenants import compiled, node_cache

logger = logging.getLogger(__name__)
MAX_AGE = 300  # seconds, should a write have reached the database by another road
# Written on pages read, shown on none of the cached ones.
UNWATCHED_TABLES = ('"django_session"', '"axes_', '"notifications_outboxemail"')
# Whole statements (as Django sends them, before their parameters) that write what no cached
# page shows, declared by the app that owns the table (`ignore_statement`).
UNWATCHED_STATEMENTS: set[str] = set()
# Statements that change nothing; anything else (WITH included) counts as a write.
READS = ("SELECT", "SET ", "SHOW", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")
READS += (f"EXECUTE {compiled.NAME_PREFIX.upper()}",)  # tenants.compiled's: SELECTs
# Session keys that change on their own (the idle clock): not part of the page's key.
VOLATILE_SESSION_KEYS = {"_session_expiry"}
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}(")')
CSRF_PLACEHOLDER = "__preau_csrf_token__"
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage, under FallbackStorage
# .read: this thread read a version since its last write's early publish (below).
_thread = threading.local()


def _redis():
    return node_cache._redis()  # the node caches' connection pool


def version_key(schema: str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}data-version:{schema}"


# Writes --------------------------------------------------------------------------------


def _publish(schema: str) -> None:
    try:
        _redis().set(version_key(schema), uuid.uuid4().hex)
    except redis.RedisError as error:
        logger.error("page cache: Redis unreachable, %s not invalidated (%s)", schema, error)


@functools.cache
def _publisher(schema: str):
    """One callable per schema, so that a transaction registers it once."""
    return functools.partial(_publish, schema)


def ignore_statement(sql: str) -> None:
    """This exact statement writes nothing a cached page shows: it leaves them all valid."""
    UNWATCHED_STATEMENTS.add(sql)


def _is_write(sql: str) -> bool:
    head = sql.lstrip(" \t\n(")[:80]  # "(SELECT …) UNION (SELECT …)" reads too
    if head[:20].upper().startswith(READS):
        return False
    if any(table in head for table in UNWATCHED_TABLES):
        return False
    return sql not in UNWATCHED_STATEMENTS


def watch_writes(execute, sql, params, many, context):
    """Execute wrapper: a write makes its schema's pages stale when its transaction commits
    (at once in autocommit; never if it rolls back)."""
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and _is_write(sql):
        db = context["connection"]
        publish = _publisher(getattr(db, "schema_name", None) or "public")
        if not db.in_atomic_block:
            publish()
            return result
        if getattr(_thread, "read", False):
            # This thread reads its own uncommitted writes: a page it stored earlier in the
            # transaction is stale already. (Other threads see them at the commit's publish.)
            _thread.read = False
            publish()
        current = set(db.savepoint_ids)
        # Already registered where only a rollback of this write too could drop it.
        if not any(func is publish and sids <= current for sids, func, _r in db.run_on_commit):
            transaction.on_commit(publish, using=db.alias)
    return result


def install_write_watch(sender, connection, **kwargs):
    """connection_created: every connection of the process watches its writes."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


# Reads ---------------------------------------------------------------------------------


def valid_until(request, when: datetime.datetime | None) -> None:
    """The view says until when its page stays true with no write (None: MAX_AGE)."""
    if when is not None:
        current = getattr(request, "_page_valid_until", None)
        request._page_valid_until = when if current is None else min(current, when)


def next_midnight() -> datetime.datetime:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time()))


def _entry_key(schema: str, session_key: str, path: str) -> str:
    digest = hashlib.blake2b(f"{session_key} {path}".encode(), digest_size=16).hexdigest()
    return f"{settings.REDIS_KEY_PREFIX}page:{schema}:{digest}"


def _who(request) -> str | None:
    """The user and the session's content a stored page was rendered for; None: this
    request is never served from nor into the cache (a message shows once)."""
    session = request.session
    if "_messages" in session or MESSAGES_COOKIE in request.COOKIES or not session.session_key:
        return None
    content = {k: v for k, v in session.items() if k not in VOLATILE_SESSION_KEYS}
    what = json.dumps([request.user.pk, content], sort_keys=True, default=str).encode()
    return hashlib.blake2b(what, digest_size=16).hexdigest()


def _version_keys(schema: str) -> list[str]:
    return [version_key(schema), version_key("public")]


def _versions(client, schema: str, entry: str) -> tuple[list, bytes | None]:
    keys = _version_keys(schema)
    _thread.read = True
    *versions, stored = client.mget([*keys, entry])
    for key, version in zip(keys, versions, strict=True):
        if version is None:  # a fresh or flushed Redis: a new token, never one seen before
            client.set(key, uuid.uuid4().hex, nx=True)
            return None, None
    return versions, stored


# Read with the routing middleware's round trip ------------------------------------------

_schema_of_slug: dict[str, str] = {}  # as the last request of this process found it


def prefetch_keys(request, slug: str, cookie_name) -> list[str]:
    """For a GET with a session cookie: the versions and the entry this page would read,
    under the schema `slug` had last time, to be read with the node caches' tokens."""
    schema = _schema_of_slug.get(slug)
    if not settings.PAGE_CACHE or request.method != "GET" or schema is None:
        return []
    session_key = request.COOKIES.get(cookie_name(schema))
    if not session_key:
        return []
    _thread.read = True
    return [*_version_keys(schema), _entry_key(schema, session_key, request.get_full_path())]


def keep_prefetched(request, slug: str, schema: str, keys: list[str], values) -> None:
    """After routing: what was read for the commune the slug turned out to be."""
    _schema_of_slug[slug] = schema
    if keys and values is not None and keys[0] == version_key(schema) and None not in values[:2]:
        request._page_prefetched = (keys[2], values[:2], values[2])


def cached_page(view):
    """A parent's GET page served again while its versions, session and time still hold.
    Under @login_required: the user is known and still valid before anything is served."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        commune = getattr(request, "tenant", None)
        if not settings.PAGE_CACHE or request.method != "GET" or commune is None:
            return view(request, *args, **kwargs)
        who = _who(request)
        if who is None:
            return view(request, *args, **kwargs)
        schema = commune.schema_name
        entry = _entry_key(schema, request.session.session_key, request.get_full_path())
        client = _redis()
        prefetched = getattr(request, "_page_prefetched", None)
        if prefetched is not None and prefetched[0] == entry:
            versions, stored = prefetched[1], prefetched[2]
        else:
            try:
                versions, stored = _versions(client, schema, entry)
            except redis.RedisError:
                return view(request, *args, **kwargs)
            if versions is None:
                return view(request, *args, **kwargs)
        if stored is not None:
            page = json.loads(stored)
            if (
                page.get("who") == who  # an entry of the former format: rendered again
                and page["versions"] == [v.decode() for v in versions]
                and time.time() < page["until"]
            ):
                body = page["body"].replace(CSRF_PLACEHOLDER, get_token(request))
                return HttpResponse(body, content_type=page["type"])
        response = view(request, *args, **kwargs)
        _store(request, response, client, entry, versions, who)
        return response

    return wrapper


def _store(request, response, client, entry, versions, who) -> None:
    storage = getattr(request, "_messages", None)
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or not response.get("Content-Type", "").startswith("text/html")
        or (storage is not None and getattr(storage, "_queued_messages", None))
    ):
        return
    until = time.time() + MAX_AGE
    when = getattr(request, "_page_valid_until", None)
    if when is not None:
        until = min(until, when.timestamp())
    seconds = int(until - time.time())
    if seconds <= 0:
        return
    body = CSRF_INPUT.sub(
        lambda match: match.group(1) + CSRF_PLACEHOLDER + match.group(2),
        response.content.decode(response.charset),
    )
    page = {
        "who": who,
        "versions": [v.decode() for v in versions],
        "until": until,
        "type": response["Content-Type"],
        "body": body,
    }
    try:
        client.set(entry, json.dumps(page), ex=seconds)
    except redis.RedisError as error:
        logger.warning("page cache: not stored (%s)", error)
