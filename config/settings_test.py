"""Test settings: the real PostgreSQL and Redis, on a Redis database of their own."""

import os

os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECURE_COOKIES", "0")
# Under pytest-xdist (`make test` runs two workers), each worker (gw0, gw1, ...) has its own
# test database (pytest-django's test_<db>_gw0, ...) and its own Redis keys: broker queues,
# node cache tokens, periodic locks and the Treasury simulator (REDIS_KEY_PREFIX). The
# processes a test starts inherit the environment, so a worker's Celery worker consumes its
# own queue. Setting both prefixes by hand isolates two runs on one Redis database.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker:
    # Named after the database too, as the browser suite's: two checkouts never share them.
    _run = os.environ.get("DATABASE_URL", "preau").rsplit("/", 1)[-1] + "-" + _worker
    os.environ.setdefault("CELERY_BROKER_KEY_PREFIX", f"{_run}:")
    os.environ.setdefault("REDIS_KEY_PREFIX", f"{_run}:")

from config.settings import *  # noqa: E402,F403

PREAU_BASE_URL = "http://testserver"
# Never a server someone runs on 127.0.0.1:8000: tests that talk to the simulator set it.
PAYFIP_SIMULATOR_URL = PREAU_BASE_URL + "/simulateur-payfip"
# Production's Argon2 at its lowest cost (tests/test_settings.py checks production's list).
PASSWORD_HASHERS = ["config.test_hashers.FastArgon2PasswordHasher"]

# A test-only commune app whose other migration packages make a migration pending in every
# commune (tests/tenants/test_migrate_replay.py, tests/benchmarks/bench_migrate.py).
TENANT_APPS = [*TENANT_APPS, "tests.tenants.migtest"]  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "tests.tenants.migtest"]  # noqa: F405

# The test client reads a page's `response.context`, which a page served from the cache has
# not: the page cache is on in tests/tenants/test_page_cache.py and in the browser suite's
# product (production settings), off for the other tests.
PAGE_CACHE = False

# The simulator's keys under the run's own prefix too.
PAYFIP_SIMULATOR_KEY_PREFIX = REDIS_KEY_PREFIX + PAYFIP_SIMULATOR_KEY_PREFIX  # noqa: F405
