"""Benchmark: the parents' pages through gunicorn, as ratios to the framework's floor.

Builds a scratch database (the demo communes, the BLANCHARD household of Clairoix with a
third child, so the planning shows 3 children × 2 months), starts gunicorn (2 workers ×
4 threads, DEBUG off, config.settings_bench) on a loopback port, logs the parent in and
measures each page: the median latency at concurrency 1 and the requests per second at
concurrency 8, over several rounds (median and range). Prints a table of ratios to floor0
(a bare view rendering a static template of the planning page's size outside any commune)
and floor1 (the same view under /Clairoix/), then one JSON line.

    make bench
    BENCH_ROUNDS=5 BENCH_PORT=8601 .venv/bin/python tests/benchmarks/bench_pages.py
"""

import http.client
import json
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
sys.path.insert(0, str(ROOT))
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau")
server_url, base_name = base_url.rsplit("/", 1)
BENCH_DATABASE = f"{base_name}_pages"
os.environ["DATABASE_URL"] = f"{server_url}/{BENCH_DATABASE}"
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_bench"
os.environ["LOG_LEVEL"] = "WARNING"
os.environ["DEBUG"] = "0"
os.environ["SECRET_KEY"] = "bench-only-secret-key-not-for-production"  # noqa: S105
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ["SECURE_COOKIES"] = "0"
os.environ["PAYFIP_SIMULATOR_ENABLED"] = "0"
os.environ["EMAIL_URL"] = "consolemail://"

import django  # noqa: E402
import psycopg  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8600"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SERIAL = int(os.environ.get("BENCH_SERIAL", "25"))  # requests at c=1, per round
CONCURRENCY = 8
PARALLEL_SECONDS = float(os.environ.get("BENCH_PARALLEL_SECONDS", "2"))
PARENT = ("bertrand.blanchard@example.org", "preau-demo-2026")
PAGES = {
    "floor0": "/api/bench-floor/",
    "floor1": "/Clairoix/bench-floor/",
    "planning": "/Clairoix/reservations/cant/reservation/",
    "recap": "/Clairoix/reservations/cant/recapitulatif/",
    "compte": "/Clairoix/reservations/cant/compte/",
    "factures": "/Clairoix/reservations/cant/factures/",
}
LOGGED_IN = {"planning", "recap", "compte", "factures"}


def build_database():
    admin_url = f"{server_url}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    django.setup()
    import datetime

    from django.core.management import call_command

    from booking import demo as booking_demo
    from portal import demo as portal_demo

    # A third child in the demo household: the planning shows 3 children × 2 months.
    portal_demo.FAMILIES["Clairoix"]["children"].append(
        ("BLANCHARD", "Inès", datetime.date(2016, 5, 9), "École élémentaire", "CM1")
    )
    booking_demo.ENROLMENTS["Clairoix"]["Inès"] = "Élémentaire"
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)


def start_server(log):
    env = dict(os.environ, GUNICORN_BIND=f"127.0.0.1:{PORT}", GUNICORN_WORKERS="2")
    env |= {"GUNICORN_THREADS": "4", "GUNICORN_ACCESS_LOG": "/dev/null"}
    env |= {"GUNICORN_LOG_LEVEL": "warning", "GUNICORN_MAX_REQUESTS": "0"}
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
            if get(http.client.HTTPConnection("127.0.0.1", PORT, timeout=5), "/healthz")[0]:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def get(conn, path, headers=None):
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read(), response


def cookie_header(set_cookies, jar):
    for header in set_cookies:
        name, value = header.split(";", 1)[0].split("=", 1)
        jar[name.strip()] = value
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def log_in() -> str:
    """The parent's session and CSRF cookies, as a Cookie header."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    jar = {}
    status, body, response = get(conn, "/Clairoix/")
    cookies = cookie_header(response.headers.get_all("Set-Cookie") or [], jar)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = {"csrfmiddlewaretoken": token, "username": PARENT[0], "password": PARENT[1]}
    conn.request(
        "POST",
        "/Clairoix/",
        body=urllib.parse.urlencode(form),
        headers={"Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"login failed: HTTP {response.status}")
    cookies = cookie_header(response.headers.get_all("Set-Cookie") or [], jar)
    # A draft order of four free days, kept in the session: the recap shows it.
    status, body, response = get(conn, PAGES["planning"], {"Cookie": cookies})
    check("planning", status, body)
    cookies = cookie_header(response.headers.get_all("Set-Cookie") or [], jar)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    boxes = re.findall(rb'<input type="checkbox" id="r-[^>]*>', body)
    free = [m.decode().split('"')[3] for m in boxes if not re.search(rb" (disabled|checked)", m)]
    form = {"csrfmiddlewaretoken": token, "finalize": "1"} | {key: "on" for key in free[:4]}
    conn.request(
        "POST",
        PAGES["planning"],
        body=urllib.parse.urlencode(form),
        headers={"Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    body = response.read()
    if response.status != 302 or "recapitulatif" not in response.headers["Location"]:
        raise SystemExit(f"draft order failed: HTTP {response.status}")
    return cookie_header(response.headers.get_all("Set-Cookie") or [], jar)


def check(name, status, body):
    if status != 200:
        raise SystemExit(f"{name}: HTTP {status}\n{body[:500]!r}")


def serial(name, headers) -> float:
    """Median seconds of one request at concurrency 1 (one kept-alive connection)."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    timings = []
    for _ in range(SERIAL):
        started = time.perf_counter()
        status, body, _response = get(conn, PAGES[name], headers)
        timings.append(time.perf_counter() - started)
        check(name, status, body)
    conn.close()
    return statistics.median(timings)


def parallel(name, headers) -> float:
    """Requests per second with CONCURRENCY clients, each on its kept-alive connection."""
    done = [0] * CONCURRENCY
    errors = []
    stop_at = time.perf_counter() + PARALLEL_SECONDS

    def client(index):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        while time.perf_counter() < stop_at:
            status, body, _response = get(conn, PAGES[name], headers)
            if status != 200:
                errors.append(status)
                return
            done[index] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{name}: HTTP {errors[0]} at c={CONCURRENCY}")
    return sum(done) / (time.perf_counter() - started)


def spread(values, scale=1.0, digits=2):
    figures = (min(values), statistics.median(values), max(values))
    low, mid, high = (value * scale for value in figures)
    return f"{mid:.{digits}f} [{low:.{digits}f}–{high:.{digits}f}]"


def main():
    started = time.monotonic()
    build_database()
    log = open(ROOT / "var" / "bench-pages-gunicorn.log", "wb")  # noqa: SIM115
    server = start_server(log)
    try:
        cookies = log_in()
        sizes = {}
        for name in PAGES:  # warm every worker and thread, check every page
            headers = {"Cookie": cookies} if name in LOGGED_IN else {}
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            for _ in range(CONCURRENCY):
                status, body, _response = get(conn, PAGES[name], headers)
                check(name, status, body)
            sizes[name] = len(body)
        p50 = {name: [] for name in PAGES}
        rps = {name: [] for name in PAGES}
        for _round in range(ROUNDS):
            for name in PAGES:
                headers = {"Cookie": cookies} if name in LOGGED_IN else {}
                p50[name].append(serial(name, headers))
                rps[name].append(parallel(name, headers))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    floor0 = statistics.median(p50["floor0"])
    floor1 = statistics.median(p50["floor1"])
    rps0 = statistics.median(rps["floor0"])
    print(f"\nPages through gunicorn (2 workers × 4 threads, DEBUG off), {ROUNDS} rounds,")
    print(f"p50 over {SERIAL} requests at c=1, req/s over {PARALLEL_SECONDS:g} s at c=8;")
    print("median [min–max] over the rounds; ratios to the medians of the floors.\n")
    header = (
        f"{'page':<9} {'bytes':>7} {'p50 ms':>20} {'÷floor0':>7} {'÷floor1':>7} "
        f"{'req/s c=8':>22} {'÷floor0':>7}"
    )
    print(header)
    print("-" * len(header))
    result = {"bench": "pages", "rounds": ROUNDS, "pages": {}}
    for name in PAGES:
        median = statistics.median(p50[name])
        throughput = statistics.median(rps[name])
        print(
            f"{name:<9} {sizes[name]:>7} {spread(p50[name], 1000, 1):>20} "
            f"{median / floor0:>7.2f} {median / floor1:>7.2f} "
            f"{spread(rps[name], 1, 1):>22} {throughput / rps0:>7.3f}"
        )
        result["pages"][name] = {
            "bytes": sizes[name],
            "p50_ms": round(median * 1000, 2),
            "p50_ms_range": [round(min(p50[name]) * 1000, 2), round(max(p50[name]) * 1000, 2)],
            "p50_floor0": round(median / floor0, 2),
            "p50_floor1": round(median / floor1, 2),
            "rps_c8": round(throughput, 1),
            "rps_c8_range": [round(min(rps[name]), 1), round(max(rps[name]), 1)],
            "rps_floor0": round(throughput / rps0, 3),
        }
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
