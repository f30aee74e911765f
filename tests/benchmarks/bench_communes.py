"""Benchmark: what 1,000 communes on one installation cost a request and a provisioning,
against 2 communes, in the same run and a scratch database dropped at the end.

Prints, at 2 communes then at BENCH_COMMUNES (1,000 by default):
- the median time of a request, in-process through the whole middleware stack (commune
  resolved from the URL prefix, schema switched): a parent's login page, a staff member's
  workspace home, and the login page of the last commune created;
- provisioning one more commune (schema, migrations, administrator, invitation), median of 3;
then the ratios against 2 communes and one JSON line. The aims (issue 16): requests within
10 % of the 2-commune figure, provisioning under 1 s. Asserts nothing about time.

The extra communes are clones of a migrated commune's schema (bench_migrate's fast path).

    BENCH_COMMUNES=200 .venv/bin/python tests/benchmarks/bench_communes.py
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
_server, _base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau").rsplit(
    "/", 1
)
os.environ["BENCH_DATABASE"] = f"{_base}_bench_communes"

from tests.benchmarks import bench_migrate as base  # noqa: E402  (sets the environment)

MANY = int(os.environ.get("BENCH_COMMUNES", "1000"))
PASSWORD = "Banc-d-essai-communes-2026"
WARMUP, REQUESTS = 20, int(os.environ.get("BENCH_REQUESTS", "200"))


def median_request(client, path) -> float:
    for _ in range(WARMUP):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.get("Location"))
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(path)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure(bench, first, last) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from tenants.models import Commune

    staff = Client()
    with schema_context(first.schema_name):
        administrator = get_user_model().objects.get(is_staff=True)
        administrator.set_password(PASSWORD)
        administrator.save()
    connection.set_schema_to_public()
    response = staff.post(
        f"/{first.slug}/admin/login/", {"username": administrator.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    row = {
        "communes": Commune.objects.exclude(schema_name="public").count(),
        "login_page": median_request(Client(), f"/{first.slug}/"),
        "staff_home": median_request(staff, f"/{first.slug}/gestion/"),
        "last_commune_login_page": median_request(Client(), f"/{last.slug}/"),
    }
    connection.set_schema_to_public()  # requests leave the connection on a commune's
    row["provision"] = statistics.median(bench.provision() for _ in range(3))
    connection.set_schema_to_public()
    return row


def main():
    base.admin(f"DROP DATABASE IF EXISTS {base.BENCH_DB} WITH (FORCE)")
    base.admin(f"CREATE DATABASE {base.BENCH_DB}")
    base.django.setup()
    from django.core.management import call_command
    from django.db import connection

    from config.celery import app as celery_app
    from tenants.models import Commune

    call_command("migrate", verbosity=0)
    bench = base.Bench()
    try:
        bench.provision()
        bench.provision()
        first = Commune.objects.get(slug="Commune-1")
        few = measure(bench, first, Commune.objects.get(slug="Commune-2"))
        started = time.perf_counter()
        bench.clone_up_to(MANY)
        built = time.perf_counter() - started
        last = Commune.objects.exclude(schema_name="public").order_by("-id").first()
        many = measure(bench, first, last)
    finally:
        connection.close()
        celery_app.control.purge()
        base.admin(f"DROP DATABASE IF EXISTS {base.BENCH_DB} WITH (FORCE)")
    print(f"{many['communes'] - few['communes']} communes cloned in {built:.0f} s")
    result = {"communes_few": few["communes"], "communes_many": many["communes"]}
    for key, label in [
        ("login_page", "parent login page"),
        ("staff_home", "staff workspace home"),
        ("last_commune_login_page", "login page of the last commune"),
        ("provision", "provisioning one commune"),
    ]:
        ratio = many[key] / few[key]
        aim = "aim ≤ 1 s" if key == "provision" else "aim ×1.10 at most"
        print(
            f"{label}: {few[key] * 1000:.1f} ms with {few['communes']} communes,"
            f" {many[key] * 1000:.1f} ms with {many['communes']} (×{ratio:.2f}; {aim})"
        )
        result[f"{key}_ms_few"] = round(few[key] * 1000, 2)
        result[f"{key}_ms_many"] = round(many[key] * 1000, 2)
        result[f"{key}_ratio"] = round(ratio, 3)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
