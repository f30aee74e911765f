"""Benchmark: the opening rush through gunicorn, as a ratio to the framework's floor.

FAMILIES households (500) of one child, each with 20,00 € of credit, all want the same day,
which has PLACES places (100): the data of the multi-node test (tests/deploy/multinode_setup.py).
Every family is logged in beforehand (not timed: Argon2 is slow on purpose) and the database
is kept as a template; each repeat runs on a fresh copy, with gunicorn (2 workers × 4
threads, DEBUG off, config.settings_bench) started on it. floor0's req/s at c=8 is measured
in the same repeat, then CLIENTS threads (16) run the rush, each family on its kept-alive
connection: "Finaliser la commande" (POST the planning; 302 to the recap, or the page with
"plus de place disponible"), the recap, "Valider" (302). Afterwards the database must show
exactly PLACES confirmed reservations and validated orders, gap-free invoice (FA) and
credit (RG) numbers, one confirmation e-mail per validated order in the outbox.

Prints a table (median [min–max] over BENCH_RUSH_REPEATS) and one JSON line: confirmed,
errors, flows/s, HTTP req/s, both ÷ floor0's req/s, numbering gaps, load average.

    make bench
    BENCH_RUSH_REPEATS=3 BENCH_PORT=8610 .venv/bin/python tests/benchmarks/bench_rush.py
"""

import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.benchmarks import harness  # noqa: E402
from tests.benchmarks.harness import FLOOR0, ROOT, Browser, spread  # noqa: E402

server_url, TEMPLATE = harness.configure("rush_template")
DATABASE = TEMPLATE.removesuffix("_template")
DATABASE_URL = f"{server_url}/{DATABASE}"

PORT = int(os.environ.get("BENCH_PORT", "8610"))
REPEATS = int(os.environ.get("BENCH_RUSH_REPEATS", "3"))
FAMILIES = int(os.environ.get("BENCH_RUSH_FAMILIES", "500"))
PLACES = int(os.environ.get("BENCH_RUSH_PLACES", "100"))
CLIENTS = int(os.environ.get("BENCH_RUSH_CLIENTS", "16"))
FLOOR_SECONDS = float(os.environ.get("BENCH_PARALLEL_SECONDS", "2"))
SLUG = "Rush"
PLANNING = f"/{SLUG}/reservations/cant/reservation/"
RECAP = f"/{SLUG}/reservations/cant/recapitulatif/"
VALIDATE = f"/{SLUG}/reservations/cant/valider/"
REFUSED = b"plus de place disponible"
STEPS = ("Finaliser (302)", "Finaliser, refused (the grid)", "recap", "Valider (302)")


def build_template() -> dict:
    """The commune, its families and their sessions, in the template database."""
    harness.recreate_database(server_url, TEMPLATE)
    # The fast Argon2 of the tests for the 500 accounts (the first login re-hashes them).
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings_test")
    described = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "tests/deploy/multinode_setup.py", str(FAMILIES), str(PLACES)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rush = json.loads(described.stdout.strip().splitlines()[-1])
    with open(ROOT / "var" / "bench-rush-gunicorn.log", "ab") as log:
        server = harness.start_server(PORT, log)
        try:
            families = queue.SimpleQueue()
            for family in rush["families"]:
                families.put(family)

            def log_in():
                while True:
                    try:
                        family = families.get_nowait()
                    except queue.Empty:
                        return
                    for _attempt in range(3):  # a loaded machine may time out once
                        browser = Browser(PORT)
                        try:
                            browser.log_in(f"/{SLUG}/", family["email"], rush["password"])
                            status, page, _response = browser.request("GET", PLANNING)
                        except (OSError, SystemExit) as error:
                            family["error"] = repr(error)
                            continue
                        finally:
                            browser.close()
                        if status == 200:
                            family["jar"], family["token"] = browser.jar, browser.token
                            break
                        family["error"] = f"planning: HTTP {status}"

            run_threads(log_in, 4)
            missing = [family for family in rush["families"] if "jar" not in family]
            if missing:
                raise SystemExit(f"{len(missing)} logins failed: {missing[0].get('error')}")
        finally:
            harness.stop_server(server)
    return rush


def run_threads(target, count):
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def rush_once(rush) -> dict:
    """One rush on a fresh copy of the template: figures and the database's verdict."""
    harness.recreate_database(server_url, DATABASE, template=TEMPLATE)
    with open(ROOT / "var" / "bench-rush-gunicorn.log", "ab") as log:
        server = harness.start_server(PORT, log, DATABASE_URL)
        try:
            for _ in range(3):  # every worker and thread connected and warm
                harness.parallel(PORT, FLOOR0, seconds=0.3)
            floor0_before = harness.parallel(PORT, FLOOR0, seconds=FLOOR_SECONDS)
            load_before = harness.load_average()
            outcomes, requests = run_rush(rush)
            load_after = harness.load_average()
            # The machine is shared: floor0 is the mean of before and after the rush.
            floor0 = (floor0_before + harness.parallel(PORT, FLOOR0, seconds=FLOOR_SECONDS)) / 2
        finally:
            harness.stop_server(server)
    return {
        "floor0": floor0,
        "load": (load_before, load_after),
        "requests": requests,
        **outcomes,
        **verdict(rush),
    }


def run_rush(rush):
    families = queue.SimpleQueue()
    for family in rush["families"]:
        families.put(family)
    outcomes = {"validate_posted": 0, "refused_at_finalize": 0, "errors": 0, "error_samples": []}
    outcomes["steps"] = {step: [] for step in STEPS}
    requests = []
    start = threading.Barrier(CLIENTS + 1)
    lock = threading.Lock()

    def client():
        start.wait()
        count = 0
        while True:
            try:
                family = families.get_nowait()
            except queue.Empty:
                break
            browser = Browser(PORT, family["jar"], family["token"])
            outcome = one_flow(browser, family, outcomes["steps"])
            count += browser.requests
            browser.close()
            with lock:
                if outcome in ("validate_posted", "refused_at_finalize"):
                    outcomes[outcome] += 1
                else:
                    outcomes["errors"] += 1
                    outcomes["error_samples"] = outcomes["error_samples"][:4] + [outcome]
        with lock:
            requests.append(count)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return outcomes | {"seconds": seconds}, sum(requests)


def one_flow(browser, family, steps) -> str:
    """ "Finaliser la commande" with the day ticked, the recap, "Valider"; each step's
    seconds appended to `steps`."""

    def timed(step, method, path, form=None):
        started = time.perf_counter()
        answer = browser.request(method, path, form)
        steps[step].append(time.perf_counter() - started)
        return answer

    started = time.perf_counter()
    status, page, response = browser.request(
        "POST", PLANNING, {family["key"]: "on", "finalize": "1"}
    )
    finalize_seconds = time.perf_counter() - started
    if status == 400 and REFUSED in page:
        steps["Finaliser, refused (the grid)"].append(finalize_seconds)
        return "refused_at_finalize"
    if status != 302 or not response.headers["Location"].endswith(RECAP):
        return f"finalize: HTTP {status}"
    steps["Finaliser (302)"].append(finalize_seconds)
    status, page, _response = timed("recap", "GET", RECAP)
    if status != 200:
        return f"recap: HTTP {status}"
    status, page, response = timed("Valider (302)", "POST", VALIDATE, {})
    if status != 302 or not response.headers["Location"].endswith(PLANNING):
        return f"validate: HTTP {status} {response.headers.get('Location')}"
    return "validate_posted"


def verdict(rush) -> dict:
    """What the database says: confirmed places, validated orders, gaps, e-mails."""
    import psycopg

    schema = rush["schema"]
    with psycopg.connect(DATABASE_URL) as conn:

        def one(sql, params=()):
            return conn.execute(sql, params).fetchone()[0]

        confirmed = one(
            f"SELECT count(*) FROM {schema}.booking_reservation"  # noqa: S608 - our schema
            " WHERE day = %s AND status = 'confirmed'",
            [rush["day"]],
        )
        validated = one(
            f"SELECT count(*) FROM {schema}.booking_order WHERE status = 'validated'"  # noqa: S608
        )
        emails = one(f"SELECT count(*) FROM {schema}.notifications_outboxemail")  # noqa: S608
        gaps = {}
        for kind in ("FA", "RG"):
            numbers = [
                row[0]
                for row in conn.execute(
                    f"SELECT sequence FROM {schema}.ledger_document"  # noqa: S608
                    " WHERE kind = %s ORDER BY sequence",
                    [kind],
                )
            ]
            gaps[kind] = len(numbers) != len(set(numbers)) or numbers != list(
                range(1, len(numbers) + 1)
            )
            gaps[f"{kind}_count"] = len(numbers)
    return {
        "confirmed": confirmed,
        "validated": validated,
        "emails": emails,
        "invoices": gaps["FA_count"],
        "gaps": int(gaps["FA"]) + int(gaps["RG"]),
    }


def main():
    began = time.monotonic()
    rush = build_template()
    runs = [rush_once(rush) for _ in range(REPEATS)]
    harness.drop_database(server_url, DATABASE)
    harness.drop_database(server_url, TEMPLATE)
    purge = [str(Path(sys.executable).with_name("celery")), "-A", "config", "purge", "-f"]
    subprocess.run(purge, cwd=ROOT, capture_output=True, check=False)  # noqa: S603

    flows = [FAMILIES / run["seconds"] for run in runs]
    rps = [run["requests"] / run["seconds"] for run in runs]
    floor0 = [run["floor0"] for run in runs]
    flows_ratio = [f / f0 for f, f0 in zip(flows, floor0, strict=True)]
    rps_ratio = [r / f0 for r, f0 in zip(rps, floor0, strict=True)]
    errors = [
        run["errors"]
        + (run["confirmed"] != PLACES)
        + (run["validated"] != PLACES)
        + (run["emails"] != run["validated"])
        + (run["invoices"] != PLACES)
        for run in runs
    ]
    print(f"\nOpening rush: {FAMILIES} families, one day of {PLACES} places, {CLIENTS} clients,")
    print("gunicorn 2 workers × 4 threads, DEBUG off; median [min–max] over")
    print(f"{REPEATS} repeats, each on a fresh copy; floor0 req/s at c=8 in the same repeat.\n")
    rows = [
        ("confirmed", [run["confirmed"] for run in runs], 0),
        ("validated orders", [run["validated"] for run in runs], 0),
        ("refused at Finaliser", [run["refused_at_finalize"] for run in runs], 0),
        ("errors", errors, 0),
        ("numbering gaps", [run["gaps"] for run in runs], 0),
        ("seconds", [run["seconds"] for run in runs], 1),
        ("flows/s", flows, 1),
        ("HTTP req/s", rps, 1),
        ("floor0 req/s c=8", floor0, 1),
        ("flows/s ÷ floor0", flows_ratio, 4),
        ("req/s ÷ floor0", rps_ratio, 4),
    ]
    for name, values, digits in rows:
        print(f"{name:<22} {spread(values, 1, digits):>28}")
    print("\nmedian ms per request under the rush (median [min–max] over the repeats):")
    step_ms = {}
    for step in STEPS:
        medians = [statistics.median(run["steps"][step]) for run in runs if run["steps"][step]]
        if medians:
            step_ms[step] = round(statistics.median(medians) * 1000, 1)
            print(f"  {step:<30} {spread(medians, 1000, 0):>20}")
    for index, run in enumerate(runs):
        samples = "; ".join(run["error_samples"])
        print(f"repeat {index + 1}: load average {run['load'][0]} → {run['load'][1]} {samples}")
    print(f"\n(total {time.monotonic() - began:.0f} s)")
    result = {
        "bench": "rush",
        "families": FAMILIES,
        "places": PLACES,
        "clients": CLIENTS,
        "repeats": REPEATS,
        "confirmed": statistics.median(run["confirmed"] for run in runs),
        "confirmed_range": [min(r["confirmed"] for r in runs), max(r["confirmed"] for r in runs)],
        "errors": sum(errors),
        "gaps": sum(run["gaps"] for run in runs),
        "flows_s": round(statistics.median(flows), 2),
        "flows_s_range": [round(min(flows), 2), round(max(flows), 2)],
        "rps": round(statistics.median(rps), 1),
        "floor0_rps": round(statistics.median(floor0), 1),
        "flows_floor0": round(statistics.median(flows_ratio), 4),
        "flows_floor0_range": [round(min(flows_ratio), 4), round(max(flows_ratio), 4)],
        "rps_floor0": round(statistics.median(rps_ratio), 4),
        "step_ms": step_ms,
        "load_average": [run["load"] for run in runs],
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
