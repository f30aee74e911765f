"""Benchmark settings (`make bench`): the product's settings plus the two floor views.

floor0 (/api/bench-floor/, outside any commune) and floor1 (/<commune>/bench-floor/) render
the same static template of the planning page's size: the framework's floor, measured in
the same run as the pages (tests/benchmarks/bench_pages.py). Never in production URLs.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "config.urls_bench"
PUBLIC_SCHEMA_URLCONF = "config.urls_bench_public"
