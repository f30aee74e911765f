"""In-process caches kept coherent across nodes by a version token in Redis.

Each cache holds its entries in the web process's memory, under the version token read
from Redis (one GET a request and cache). A change calls `invalidate()`: it writes a new
token at once (this transaction's later reads, in this process, recompute) and again when
the transaction commits (another node that re-read the old row in between drops it). With
Redis unreachable, nothing is cached: every read goes to the database. Entries older than
MAX_AGE seconds are recomputed anyway, should an invalidation have missed Redis.

A web request reads every cache's token in one MGET when it starts
(`read_tokens_for_request`, called by the routing middleware) and forgets them when it ends
(request_finished): the commune and the PayFiP mode cost one Redis round trip a request,
not one each. Outside a request (tasks, shell) each read asks Redis.
"""

import logging
import threading
import time
import uuid

import redis
from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)
MAX_AGE = 60.0

_client = None
_client_lock = threading.Lock()
_caches = []
_request = threading.local()  # .tokens: cache key → token read when the request started


def _redis():
    global _client  # noqa: PLW0603 - one connection pool a process
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = redis.Redis.from_url(
                    settings.NODE_CACHE_REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5
                )
    return _client


class NodeCache:
    def __init__(self, name: str):
        self.key = f"{settings.REDIS_KEY_PREFIX}node-cache:{name}"
        self._version = None
        self._entries = {}
        self._since = 0.0
        # The outermost transaction of this thread that invalidated: until it ends, what it
        # reads may be rolled back, so it is not stored.
        self._local = threading.local()
        _caches.append(self)

    def _current_entries(self) -> dict | None:
        """The entries of the version Redis holds now, or None without Redis."""
        tokens = getattr(_request, "tokens", None)
        version = tokens.get(self.key) if tokens else None
        try:
            if version is None:
                version = _redis().get(self.key)
            if version is None:
                # A fresh or flushed Redis: a new random token, never a value seen before.
                _redis().set(self.key, uuid.uuid4().hex, nx=True)
                version = _redis().get(self.key)
        except redis.RedisError as error:
            if self._version is not False:
                logger.warning("node cache %s: Redis unreachable, not cached (%s)", self.key, error)
            self._version = False  # said once, until Redis answers again
            return None
        if version != self._version or time.monotonic() - self._since > MAX_AGE:
            # Replaced, never cleared: a thread still computing under the old version
            # stores into the old dict, which nobody reads any more.
            self._entries, self._version, self._since = {}, version, time.monotonic()
        return self._entries

    def get(self, key, compute):
        entries = self._current_entries()
        if entries is None:
            return compute()
        try:
            return entries[key]
        except KeyError:
            value = compute()
            # Never a miss: unknown keys from the network would pile up.
            if value is not None and self._may_store():
                entries[key] = value
            return value

    def _may_store(self) -> bool:
        pending = getattr(self._local, "atomic", None)
        if pending is None:
            return True
        if connection.in_atomic_block and connection.atomic_blocks[:1] == [pending]:
            return False
        self._local.atomic = None
        return True

    def clear_local(self) -> None:
        """Forget this process's entries (tests: between two rolled-back transactions)."""
        self._version = None
        self._local.atomic = None

    def invalidate(self) -> None:
        """Every node recomputes: now, and once the current transaction commits."""
        if connection.in_atomic_block:
            self._local.atomic = connection.atomic_blocks[0]
        self._bump()
        transaction.on_commit(self._bump)

    def invalidate_once(self) -> None:
        """invalidate(), unless the current transaction did already where only a rollback
        of this change too could drop it (a transaction of many writes asks Redis once)."""
        if connection.in_atomic_block:
            current = set(connection.savepoint_ids)
            for savepoints, func, _robust in connection.run_on_commit:
                if func == self._bump and savepoints <= current:
                    return
        self.invalidate()

    def _bump(self) -> None:
        self._version = None
        tokens = getattr(_request, "tokens", None)
        if tokens:
            tokens.pop(self.key, None)  # the rest of this request reads the new token
        try:
            _redis().set(self.key, uuid.uuid4().hex)
        except redis.RedisError as error:
            logger.error("node cache %s: Redis unreachable, not invalidated (%s)", self.key, error)


def read_tokens_for_request(extra_keys=()) -> list | None:
    """Every cache's token in one round trip, for the request starting in this thread; the
    values of `extra_keys` read in the same round trip (None without Redis)."""
    keys = sorted({cache.key for cache in _caches})
    try:
        tokens = _redis().mget([*keys, *extra_keys])
    except redis.RedisError:
        _request.tokens = None  # each read tries again, and says it once
        return None
    _request.tokens = dict(zip(keys, tokens[: len(keys)], strict=True))
    return tokens[len(keys) :]


def forget_request_tokens(**_kwargs) -> None:
    """The request ended (request_finished): later reads in this thread ask Redis."""
    _request.tokens = None


def clear_local_caches() -> None:
    for cache in _caches:
        cache.clear_local()
