"""PostgreSQL restarted under a running Préau: the next requests and tasks succeed.

The test starts a PostgreSQL cluster of its own (initdb in a temporary folder, another
loopback port, as the postgres user when run as root), copies the test database into it,
and runs a real WSGI server (one thread, so its persistent connection is reused) and a real
Celery worker against it. It restarts that cluster, never the machine's own server.
"""

import glob
import http.cookiejar
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from config.celery import app as celery_app
from notifications.publish import publish
from notifications.tasks import send_outbox_email
from tests.processes import ROOT, free_port, product_env, start_worker, stop, wait_until

pytestmark = pytest.mark.integration

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1:]
WSGI_SERVER = """
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server
from django.core.wsgi import get_wsgi_application
class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass
make_server("127.0.0.1", int(sys.argv[1]), get_wsgi_application(), handler_class=Quiet
            ).serve_forever()
"""


class Cluster:
    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data = folder / "data"
        self.as_postgres = os.geteuid() == 0

    def run(self, *command, **kwargs):
        if self.as_postgres:
            command = ("runuser", "-u", "postgres", "--", *command)
        return subprocess.run(command, check=True, capture_output=True, timeout=120, **kwargs)

    def pg(self, tool):
        return str(Path(PG_BIN[0]) / tool)

    def init(self):
        if self.as_postgres:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.folder, postgres.pw_uid, postgres.pw_gid)
        self.run(self.pg("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                 "--no-sync", "-E", "UTF8", "--locale=C")  # fmt: skip

    def pg_ctl(self, *args):
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(self.pg("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
                 "-o", options, "-w", "-t", "60", *args)  # fmt: skip

    def url(self, name="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture
def cluster(django_db_setup):
    if not PG_BIN:
        pytest.fail("PostgreSQL's server binaries are not installed (/usr/lib/postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="preau-pg-"))
    instance = Cluster(folder, free_port())
    try:
        instance.init()
        instance.pg_ctl("start")
        yield instance
    finally:
        try:
            instance.pg_ctl("stop", "-m", "immediate")
        except Exception as error:  # noqa: BLE001 - already stopped
            print("pg_ctl stop:", error)
        shutil.rmtree(folder, ignore_errors=True)


def copy_test_database(cluster):
    """The test run's database (two communes, migrated) copied into the cluster."""
    settings = connection.settings_dict
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE preau")
    dump = subprocess.run(
        [cluster.pg("pg_dump"), "-h", settings["HOST"], "-p", str(settings["PORT"]),
         "-U", settings["USER"], "--no-owner", settings["NAME"]],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        [cluster.pg("psql"), "-q", "-v", "ON_ERROR_STOP=1", cluster.url("preau")],
        input=dump.stdout, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return cluster.url("preau")


class Browser:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def open(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except urllib.error.URLError as error:  # not listening yet
            return 0, str(error)

    def failed_login(self, username="x@example.org"):
        """A commune page that reads and writes the commune's schema (axes' attempt row)."""
        status, page = self.open("/Clairoix/")
        assert status == 200, page[:300]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"csrfmiddlewaretoken": token, "username": username, "password": "faux"}
        return self.open("/Clairoix/", form)


def send_one_email(database_url, number):
    """Write an outbox row in Clairoix's schema and have the worker send it."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO c_clairoix.notifications_outboxemail (to_email, reply_to, subject,"
            " body_text, body_html, template, status, attempts, last_error, created_at,"
            " next_attempt_at) VALUES (%s, '', %s, 'Bonjour', '', 'test', 'pending', 0, '',"
            " now(), now()) RETURNING id",
            [f"parent{number}@example.org", f"Message {number}"],
        ).fetchone()
    assert publish(send_outbox_email, row[0], schema_name="c_clairoix")

    def status():
        with psycopg.connect(database_url) as conn:
            return conn.execute(
                "SELECT status FROM c_clairoix.notifications_outboxemail WHERE id = %s", row
            ).fetchone()[0]

    return wait_until(
        lambda: status() == "sent" and status(), timeout=60, what=f"e-mail {number} sent"
    )


def test_requests_and_tasks_succeed_after_a_postgresql_restart(cluster, tmp_path):
    database_url = copy_test_database(cluster)
    port = free_port()
    env = {"DATABASE_URL": database_url, "EMAIL_URL": f"eml://{tmp_path / 'mail'}"}
    web = worker = None
    celery_app.control.purge()
    try:
        web = subprocess.Popen(
            [sys.executable, "-c", WSGI_SERVER, str(port)],
            cwd=ROOT, env=product_env(**env),
            stdout=open(tmp_path / "web.log", "wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        worker = start_worker(tmp_path / "worker.log", **env)
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_until(lambda: browser.open("/healthz")[0] == 200, timeout=60, what="web up")
        assert browser.failed_login()[0] == 200
        assert send_one_email(database_url, 1) == "sent"

        started = time.monotonic()
        cluster.pg_ctl("restart", "-m", "fast")
        print(f"\ncluster restarted in {time.monotonic() - started:.2f} s")

        # The very next request and task, on connections the restart cut.
        status, page = browser.failed_login()
        assert status == 200, page[:500]
        assert "Identifiant ou mot de passe incorrect" in page
        assert browser.open("/healthz")[0] == 200
        assert send_one_email(database_url, 2) == "sent"
        assert sorted(p.name for p in (tmp_path / "mail").iterdir()).__len__() == 2
    finally:
        stop(web)
        stop(worker)
        celery_app.control.purge()
        for log in ("web.log", "worker.log"):
            if (tmp_path / log).exists():
                print(log, (tmp_path / log).read_text()[-4000:])


def test_every_thread_of_gunicorn_reconnects_after_a_postgresql_restart(cluster, tmp_path):
    """Production's server: gthread workers, one persistent connection per thread. After
    the restart each thread's first request finds its connection dead (the health check
    before reuse) and opens a new one: no request fails, no 500 page."""
    database_url = copy_test_database(cluster)
    port = free_port()
    env = {
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"eml://{tmp_path / 'mail'}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    web = subprocess.Popen(
        [gunicorn, "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT, env=product_env(**env),
        stdout=open(tmp_path / "web.log", "wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: Browser(base).open("/healthz")[0] == 200, timeout=60, what="web up")

        def burst():
            """Eight parents at once on the commune's login page (its schema read and
            written): every thread of the worker serves some, each on its connection."""
            with ThreadPoolExecutor(8) as pool:
                return list(
                    pool.map(lambda n: Browser(base).failed_login(f"x{n}@example.org"), range(16))
                )

        assert [status for status, _page in burst()] == [200] * 16
        cluster.pg_ctl("restart", "-m", "fast")
        answers = burst()
        assert [status for status, _page in answers] == [200] * 16, answers[0][1][:500]
        assert all("Identifiant ou mot de passe incorrect" in page for _status, page in answers)
    finally:
        stop(web)
        if (tmp_path / "web.log").exists():
            print("web.log", (tmp_path / "web.log").read_text()[-4000:])
