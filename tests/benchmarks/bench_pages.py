"""Benchmark: the parents' pages through gunicorn, as ratios to the framework's floor.

Builds a scratch database (the demo communes, the BLANCHARD household of Clairoix with a
third child, so the planning shows 3 children × 2 months), starts gunicorn (2 workers ×
4 threads, DEBUG off, config.settings_bench) on a loopback port, logs the parent in and
measures each page: the median latency at concurrency 1 and the requests per second at
concurrency 8, over several rounds (median and range), twice: the pages served again from
the page cache (tenants/page_cache.py), then rendered at each request (PAGE_CACHE off).
Prints a table of each, as ratios to floor0 (a bare view rendering a static template of
the planning page's size outside any commune) and floor1 (the same view under /Clairoix/),
then one JSON line ("pages": served again, "rendered").

    make bench
    BENCH_ROUNDS=5 BENCH_PORT=8601 .venv/bin/python tests/benchmarks/bench_pages.py
"""

import http.client
import json
import os
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.benchmarks import harness  # noqa: E402
from tests.benchmarks.harness import ROOT, check, cookie_header, get, spread  # noqa: E402

server_url, BENCH_DATABASE = harness.configure("pages")

import django  # noqa: E402

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
    harness.recreate_database(server_url, BENCH_DATABASE)
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
    return harness.parallel(PORT, PAGES[name], headers, PARALLEL_SECONDS, CONCURRENCY)


# gunicorn's PAGE_CACHE in each pass: the pages as a parent sees them again (served from
# the page cache while nothing changed), then rendered at each request (a first view, or
# the next one after a write in the commune).
MODES = {"served again": "true", "rendered": "false"}


def measure(mode: str, cookies: str | None):
    """(cookies, sizes, p50 seconds, req/s) of every page, gunicorn started for `mode`."""
    os.environ["PAGE_CACHE"] = MODES[mode]  # gunicorn inherits it
    log = open(ROOT / "var" / "bench-pages-gunicorn.log", "ab")  # noqa: SIM115
    server = harness.start_server(PORT, log)
    try:
        cookies = cookies or log_in()
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
        harness.stop_server(server)
        log.close()
    return cookies, sizes, p50, rps


def table(mode: str, sizes, p50, rps) -> dict:
    floor0 = statistics.median(p50["floor0"])
    floor1 = statistics.median(p50["floor1"])
    rps0 = statistics.median(rps["floor0"])
    print(f"\nPages {mode}:")
    header = (
        f"{'page':<9} {'bytes':>7} {'p50 ms':>20} {'÷floor0':>7} {'÷floor1':>7} "
        f"{'req/s c=8':>22} {'÷floor0':>7}"
    )
    print(header)
    print("-" * len(header))
    rows = {}
    for name in PAGES:
        median = statistics.median(p50[name])
        throughput = statistics.median(rps[name])
        print(
            f"{name:<9} {sizes[name]:>7} {spread(p50[name], 1000, 1):>20} "
            f"{median / floor0:>7.2f} {median / floor1:>7.2f} "
            f"{spread(rps[name], 1, 1):>22} {throughput / rps0:>7.3f}"
        )
        rows[name] = {
            "bytes": sizes[name],
            "p50_ms": round(median * 1000, 2),
            "p50_ms_range": [round(min(p50[name]) * 1000, 2), round(max(p50[name]) * 1000, 2)],
            "p50_floor0": round(median / floor0, 2),
            "p50_floor1": round(median / floor1, 2),
            "rps_c8": round(throughput, 1),
            "rps_c8_range": [round(min(rps[name]), 1), round(max(rps[name]), 1)],
            "rps_floor0": round(throughput / rps0, 3),
        }
    return rows


def main():
    started = time.monotonic()
    build_database()
    measured, cookies = {}, None
    for mode in MODES:
        cookies, *measured[mode] = measure(mode, cookies)
    print(f"\nPages through gunicorn (2 workers × 4 threads, DEBUG off), {ROUNDS} rounds,")
    print(f"p50 over {SERIAL} requests at c=1, req/s over {PARALLEL_SECONDS:g} s at c=8;")
    print("median [min–max] over the rounds; ratios to the medians of the floors (of the")
    print("same pass: the floors never use the page cache).")
    rows = {mode: table(mode, *measured[mode]) for mode in MODES}
    result = {"bench": "pages", "rounds": ROUNDS, "pages": rows["served again"]}
    result["rendered"] = rows["rendered"]
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
