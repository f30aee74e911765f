"""Several nodes on loopback: nginx (deploy/nginx/, over TLS) in front of two gunicorn nodes
(deploy/gunicorn.conf.py), two Celery workers and one beat, on the real PostgreSQL and Redis,
in production mode (DEBUG off).

An opening rush: every family logs in, ticks the same day, finalizes and validates, all at
once, for fewer places than families. In the middle, one web node and one worker are killed
(SIGKILL, the whole process group). A parent who gets an error page presses again, as a
person would. Afterwards: every family got an answer (validated, or refused with the
message), the places are not exceeded, invoice numbers have no gap, every e-mail was sent
(the killed worker's task comes back through the outbox sweeper), and sessions survived the
node they were created on (they live in PostgreSQL, not on a node).
"""

import http.client
import http.cookiejar
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest

from tests.deploy import nginx_site
from tests.e2e.conftest import admin_sql, free_port, server_url

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BASE_DB = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau").rsplit("/", 1)[
    1
]
DB = f"{BASE_DB}_multinode"
BROKER = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
FAMILIES = 24
PLACES = 8
KILL_AFTER = 4  # families done before the kill
VALIDATED = "Vos réservations et annulations sont enregistrées"
REFUSED = "plus de place disponible"
TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE


class Node:
    def __init__(self, name, args, env, logs):
        self.name = name
        self.log = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def wait_for(url, timeout=90, context=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3, context=context) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def database(statement, params=()):
    with psycopg.connect(f"{server_url()}/{DB}", autocommit=True) as conn:
        return conn.execute(statement, params).fetchall()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("multinode")
    logs = ROOT / "var" / "multinode"
    logs.mkdir(parents=True, exist_ok=True)
    mail = folder / "mail"
    mail.mkdir()
    web_ports = [free_port(), free_port()]
    https_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{server_url()}/{DB}",
        "CELERY_BROKER_URL": BROKER,
        "REDIS_URL": BROKER,
        # Its own broker queues, node cache tokens and locks on the suite's Redis database.
        "CELERY_BROKER_KEY_PREFIX": f"preau-multinode-{BASE_DB}:",
        "REDIS_KEY_PREFIX": f"preau-multinode-{BASE_DB}:",
        "DEBUG": "false",
        "SECRET_KEY": "multinode-test-key-not-a-secret-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXIES": "127.0.0.1",
        "PREAU_BASE_URL": f"https://127.0.0.1:{https_port}",
        "EMAIL_URL": f"eml://{mail}",
        "OUTBOX_SWEEP_SECONDS": "2",
        "OUTBOX_STALE_SECONDS": "4",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESS_LOG": "-",
    }
    admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", f"CREATE DATABASE {DB}")
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
    described = subprocess.run(
        [sys.executable, "tests/deploy/multinode_setup.py", str(FAMILIES), str(PLACES)],
        **run, timeout=300,
    )  # fmt: skip
    rush = json.loads(described.stdout.strip().splitlines()[-1])
    subprocess.run([str(BIN / "celery"), "-A", "config", "purge", "-f"], **run, timeout=60)

    conf = nginx_site.render(
        folder / "nginx",
        nodes=[f"127.0.0.1:{port}" for port in web_ports],
        http_port=http_port,
        https_port=https_port,
        static_root=folder / "static",
    )
    gunicorn = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"]
    worker = [str(BIN / "celery"), "-A", "config", "worker", "--concurrency=1", "-l", "WARNING"]
    nodes = {
        "web1": Node("web1", gunicorn, {**env, "GUNICORN_BIND": f"127.0.0.1:{web_ports[0]}"}, logs),
        "web2": Node("web2", gunicorn, {**env, "GUNICORN_BIND": f"127.0.0.1:{web_ports[1]}"}, logs),
        "worker1": Node("worker1", [*worker, "-n", "worker1@%h"], env, logs),
        "worker2": Node("worker2", [*worker, "-n", "worker2@%h"], env, logs),
        "beat": Node(
            "beat",
            [str(BIN / "celery"), "-A", "config", "beat", "-l", "WARNING",
             "--schedule", str(folder / "celerybeat-schedule")],
            env, logs,
        ),
        "nginx": Node("nginx", nginx_site.command(conf, "-g", "daemon off;"), env, logs),
    }  # fmt: skip
    try:
        for port in web_ports:
            wait_for(f"http://127.0.0.1:{port}/healthz")
        wait_for(f"https://127.0.0.1:{https_port}/healthz", context=TLS)
        yield {"url": f"https://127.0.0.1:{https_port}", "rush": rush, "nodes": nodes, "mail": mail}
    finally:
        for node in nodes.values():
            node.stop()
        subprocess.run(
            [str(BIN / "celery"), "-A", "config", "purge", "-f"], **{**run, "check": False}
        )
        admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


class Parent:
    """One family in a browser: cookies, the CSRF token of the last page, and patience: an
    error page from the proxy or a page cut off (a node died under the request) is answered
    by pressing again."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            urllib.request.HTTPSHandler(context=TLS),
        )
        self.token = None
        self.retries = 0

    def request(self, path, data=None):
        url = self.base + path
        for _attempt in range(8):
            body = None
            if data is not None:
                body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.token}).encode()
            request = urllib.request.Request(url, data=body, headers={"Referer": url})
            try:
                with self.opener.open(request, timeout=30) as response:
                    status, page = response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                status, page = error.code, error.read().decode()
            except (
                urllib.error.URLError,
                http.client.HTTPException,
                ConnectionError,
                TimeoutError,
            ):
                # No answer, or one cut off mid-page by the node dying (IncompleteRead).
                status, page = None, ""
            if status in (None, 502, 503, 504):
                self.retries += 1
                time.sleep(0.5)
                continue
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            if match:
                self.token = match.group(1)
            return status, page
        raise AssertionError(f"{path}: no answer after 8 attempts")


def rush_one(base, slug, family, password, outcomes, done, start):
    parent = Parent(base)
    start.wait()
    parent.request(f"/{slug}/")
    parent.request(f"/{slug}/", {"username": family["email"], "password": password})
    planning = f"/{slug}/reservations/cant/reservation/"
    parent.request(planning)
    status, page = parent.request(planning, {family["key"]: "on", "finalize": "1"})
    if REFUSED not in page:
        parent.request(f"/{slug}/reservations/cant/recapitulatif/")
        status, page = parent.request(f"/{slug}/reservations/cant/valider/", {})
    if VALIDATED in page:
        outcomes[family["email"]] = "validated"
    elif REFUSED in page:
        outcomes[family["email"]] = "refused"
    else:
        outcomes[family["email"]] = f"no answer ({status})"
    done.append((family["email"], parent.retries))


def test_an_opening_rush_survives_a_web_node_and_a_worker_killed(cluster):
    rush, nodes = cluster["rush"], cluster["nodes"]
    schema = rush["schema"]
    outcomes, done = {}, []
    start = threading.Barrier(FAMILIES + 1)
    threads = [
        threading.Thread(
            target=rush_one,
            args=(cluster["url"], "Rush", family, rush["password"], outcomes, done, start),
        )
        for family in rush["families"]
    ]
    for thread in threads:
        thread.start()
    start.wait()
    deadline = time.monotonic() + 60
    while len(done) < KILL_AFTER and time.monotonic() < deadline:
        time.sleep(0.05)
    finished_before_kill = len(done)
    nodes["web1"].kill()
    nodes["worker1"].kill()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads)
    assert finished_before_kill < FAMILIES, "the kill came after the rush: not a test"

    # Every family has an answer: validated, or refused with the message.
    assert len(outcomes) == FAMILIES
    assert sorted(set(outcomes.values())) == ["refused", "validated"], outcomes
    validated = sorted(email for email, outcome in outcomes.items() if outcome == "validated")
    assert len(validated) == PLACES

    # Places never exceeded; orders and reservations agree with what the parents were told.
    [(reserved,)] = database(
        f"SELECT count(*) FROM {schema}.booking_reservation"  # noqa: S608 - test schema
        " WHERE day = %s AND status = 'confirmed'",
        [rush["day"]],
    )
    assert reserved == PLACES
    [(orders,)] = database(
        f"SELECT count(*) FROM {schema}.booking_order WHERE status = 'validated'"  # noqa: S608
    )
    assert orders == PLACES

    # Gap-free numbering: invoices 1..PLACES, the families' credits 1..FAMILIES.
    for kind, count in (("FA", PLACES), ("RG", FAMILIES)):
        rows = database(
            f"SELECT sequence FROM {schema}.ledger_document WHERE kind = %s"  # noqa: S608
            " ORDER BY sequence",
            [kind],
        )
        assert [row[0] for row in rows] == list(range(1, count + 1)), kind

    # Every e-mail sent, the killed worker's included (acks late + the outbox sweeper).
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        pending = database(
            f"SELECT id FROM {schema}.notifications_outboxemail"  # noqa: S608
            " WHERE status <> 'sent'"
        )
        if not pending:
            break
        time.sleep(0.5)
    assert pending == []
    sent_to = database(
        f"SELECT to_email FROM {schema}.notifications_outboxemail"  # noqa: S608
    )
    assert sorted(row[0] for row in sent_to) == validated
    delivered = "\n".join(path.read_text() for path in cluster["mail"].glob("*.eml"))
    assert all(f"To: {email}" in delivered for email in validated)

    # The surviving node still serves, sessions included (they are in PostgreSQL).
    assert nodes["web2"].process.poll() is None
    wait_for(cluster["url"] + "/healthz", timeout=10, context=TLS)
