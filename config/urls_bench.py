"""The commune URLconf of the benchmarks: the product's, plus floor1 (config/settings_bench.py)."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls_commune import urlpatterns as commune_urlpatterns

# The planning page's size (97,556 bytes), static: no tag, no variable.
FLOOR_SIZE = 97_556
_ROW = "<tr><td>lundi 1 janvier</td><td><input type=checkbox></td></tr>\n"
_HEAD = "<!DOCTYPE html><html lang=fr><head><title>floor</title></head><body><table>\n"
_TAIL = "</table></body></html>\n"
_BODY = (_ROW * (FLOOR_SIZE // len(_ROW) + 1))[: FLOOR_SIZE - len(_HEAD) - len(_TAIL)]
FLOOR_TEMPLATE = engines["django"].from_string(_HEAD + _BODY + _TAIL)


def floor(request):
    return HttpResponse(FLOOR_TEMPLATE.render({}))


urlpatterns = [path("bench-floor/", floor), *commune_urlpatterns]
