"""The platform URLconf of the benchmarks: the product's, plus floor0 (config/settings_bench.py)."""

from django.urls import path

from config.urls_bench import floor
from config.urls_public import handler404
from config.urls_public import urlpatterns as public_urlpatterns

urlpatterns = [path("api/bench-floor/", floor), *public_urlpatterns]
handler404 = handler404  # noqa: PLW0127 - Django reads it from this module
