"""What the tenants tests share."""

import pytest

from tenants import node_cache


@pytest.fixture
def redis_calls(monkeypatch):
    """The commands the node caches send to Redis (name of each call)."""
    calls = []
    client = node_cache._redis()

    class Counting:
        def __getattr__(self, name):
            method = getattr(client, name)

            def call(*args, **kwargs):
                calls.append(name)
                return method(*args, **kwargs)

            return call

    monkeypatch.setattr(node_cache, "_redis", Counting)
    return calls
