"""What the HTTP benchmarks share (bench_pages.py, bench_rush.py): the environment of a
scratch database, gunicorn (2 workers × 4 threads, DEBUG off, config.settings_bench) on a
loopback port, a kept-alive client with its cookies, floor0's throughput and the
median [min–max] of a series.

`configure()` must run before Django is imported: it points DATABASE_URL at the bench's own
database and sets the production-like environment gunicorn inherits.
"""

import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLOOR0 = "/api/bench-floor/"
CONCURRENCY = 8  # floor0's clients, as in bench_pages.py


def configure(suffix: str) -> tuple[str, str]:
    """(server URL, database name) of the bench's scratch database `<base>_<suffix>`."""
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau")
    server_url, base_name = base_url.rsplit("/", 1)
    database = f"{base_name}_{suffix}"
    os.environ["DATABASE_URL"] = f"{server_url}/{database}"
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_bench"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = "bench-only-secret-key-not-for-production"  # noqa: S105
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["PAYFIP_SIMULATOR_ENABLED"] = "0"
    os.environ["EMAIL_URL"] = "consolemail://"
    sys.path.insert(0, str(ROOT))
    (ROOT / "var").mkdir(exist_ok=True)  # the servers' logs, absent on a fresh clone
    return server_url, database


def recreate_database(server_url: str, name: str, template: str | None = None):
    """Drop and create `name`, empty or as a copy of `template` (which nobody may be using)."""
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')


def drop_database(server_url: str, name: str):
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server(port: int, log, database_url: str | None = None):
    """gunicorn (2 workers × 4 threads, DEBUG off) on 127.0.0.1:`port`, once it answers."""
    env = dict(os.environ, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2")
    env |= {"GUNICORN_THREADS": "4", "GUNICORN_ACCESS_LOG": "/dev/null"}
    env |= {"GUNICORN_LOG_LEVEL": "warning", "GUNICORN_MAX_REQUESTS": "0"}
    if database_url:
        env["DATABASE_URL"] = database_url
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [gunicorn, "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/healthz")[0]:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(server):
    server.terminate()
    server.wait(timeout=30)


def get(conn, path, headers=None):
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read(), response


def cookie_header(set_cookies, jar):
    for header in set_cookies:
        name, value = header.split(";", 1)[0].split("=", 1)
        jar[name.strip()] = value
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def csrf_token(body: bytes) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()


class Browser:
    """One person: a kept-alive connection, the cookies, the last form's CSRF token."""

    def __init__(self, port: int, jar=None, token=None):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.jar = dict(jar or {})
        self.token = token
        self.requests = 0

    def request(self, method, path, form=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # gunicorn closed the kept-alive connection (its keep-alive timeout): reconnect.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        page = response.read()
        self.requests += 1
        cookie_header(response.headers.get_all("Set-Cookie") or [], self.jar)
        if b"csrfmiddlewaretoken" in page:
            self.token = csrf_token(page)
        return response.status, page, response

    def log_in(self, login_path, email, password):
        self.request("GET", login_path)
        status, _page, _response = self.request(
            "POST", login_path, {"username": email, "password": password}
        )
        if status != 302:
            raise SystemExit(f"login of {email} failed: HTTP {status}")

    def close(self):
        self.conn.close()


def check(name, status, body):
    if status != 200:
        raise SystemExit(f"{name}: HTTP {status}\n{body[:500]!r}")


def parallel(port, path, headers=None, seconds=2.0, concurrency=CONCURRENCY) -> float:
    """Requests per second on `path` with `concurrency` clients, each kept alive."""
    done = [0] * concurrency
    errors = []
    stop_at = time.perf_counter() + seconds

    def client(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop_at:
            status, _body, _response = get(conn, path, headers)
            if status != 200:
                errors.append(status)
                return
            done[index] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{path}: HTTP {errors[0]} at c={concurrency}")
    return sum(done) / (time.perf_counter() - started)


def spread(values, scale=1.0, digits=2):
    figures = (min(values), statistics.median(values), max(values))
    low, mid, high = (value * scale for value in figures)
    return f"{mid:.{digits}f} [{low:.{digits}f}–{high:.{digits}f}]"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())
