"""The commune and its PayFiP mode are read from each process's memory, and a change made
on one node reaches every other one at its next request (tenants/node_cache.py)."""

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenants import node_cache, selectors, services
from tipi.models import PayfipSettings

# The parent's home page: the search path, the session with its user, guardian and
# household, the services and the children.
HOME_QUERIES = 4


@pytest.fixture
def other_node(monkeypatch):
    """Another web process: its own memory for both caches, the same Redis."""
    communes = node_cache.NodeCache("communes")
    payfip = node_cache.NodeCache("payfip-mode")
    monkeypatch.setattr(selectors, "communes_cache", communes)
    monkeypatch.setattr("tipi.selectors.payfip_mode_cache", payfip)
    return communes, payfip


def test_a_suspension_through_the_console_reaches_another_node(clairoix, other_node):
    client = Client()
    assert client.get("/Clairoix/").status_code == 200  # the other node now holds Clairoix
    with CaptureQueriesContext(connection) as again:
        assert client.get("/Clairoix/").status_code == 200
    assert not [q for q in again.captured_queries if "tenants_commune" in q["sql"]]

    services.set_commune_active(clairoix, active=False)  # this node, the console's service

    response = client.get("/Clairoix/")
    assert response.status_code == 503
    assert "Service temporairement indisponible" in response.content.decode()


def test_the_commit_tells_every_node_again(clairoix, django_capture_on_commit_callbacks):
    cache = selectors.communes_cache
    assert selectors.commune_by_slug("Clairoix").is_active
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.set_commune_active(clairoix, active=False)
    token = node_cache._redis().get(cache.key)
    for callback in callbacks:
        callback()
    # A node that read the row between the change and the commit drops what it read.
    assert node_cache._redis().get(cache.key) != token


def test_the_test_banner_follows_a_change_of_mode_on_another_node(clairoix, other_node):
    client = Client()
    with schema_context(clairoix.schema_name):
        row = PayfipSettings.objects.create(saisie=PayfipSettings.Mode.PRODUCTION)
    assert "Mode test" not in client.get("/Clairoix/").content.decode()
    with CaptureQueriesContext(connection) as again:
        assert "Mode test" not in client.get("/Clairoix/").content.decode()
    assert not [q for q in again.captured_queries if "tipi_payfipsettings" in q["sql"]]

    with schema_context(clairoix.schema_name):
        row.saisie = PayfipSettings.Mode.TEST
        row.save()

    assert "Mode test" in client.get("/Clairoix/").content.decode()


@pytest.fixture
def search_paths(monkeypatch):
    """Each `SET search_path` sent (django-tenants runs it on the raw cursor, unseen by
    CaptureQueriesContext)."""
    sent = []
    wrapper = type(connections["default"])
    original = wrapper._handle_search_path

    def spy(self, cursor=None):
        before = self.search_path_set_schemas
        original(self, cursor)
        if before is None and self.search_path_set_schemas is not None:
            sent.append(list(self.search_path_set_schemas))

    monkeypatch.setattr(wrapper, "_handle_search_path", spy)
    return sent


def test_a_commune_page_costs_one_search_path_and_no_public_read(
    clairoix, parent_client, search_paths
):
    assert Client().get("/Clairoix/").status_code == 200
    parent_client.get("/Clairoix/accueil/")
    search_paths.clear()
    with CaptureQueriesContext(connection) as anonymous:
        assert Client().get("/Clairoix/").status_code == 200
    # The anonymous login page reads nothing: the commune and the PayFiP mode come from the
    # process's memory.
    assert [q["sql"] for q in anonymous.captured_queries] == []
    assert search_paths == []

    with CaptureQueriesContext(connection) as home:
        assert parent_client.get("/Clairoix/accueil/").status_code == 200
    assert search_paths == [["c_clairoix", "public"]]
    statements = [q["sql"] for q in home.captured_queries]
    assert not [s for s in statements if "tenants_commune" in s or "tipi_payfipsettings" in s]
    assert len(statements) == HOME_QUERIES, statements


def test_an_unknown_commune_is_never_cached(db):
    for _ in range(3):
        assert Client().get("/Nulle-Part/").status_code == 404
    assert "Nulle-Part" not in selectors.communes_cache._entries


def test_a_commune_page_asks_redis_once_for_both_caches(clairoix, parent_client, redis_calls):
    with schema_context(clairoix.schema_name):
        PayfipSettings.objects.create(saisie=PayfipSettings.Mode.TEST)
    assert parent_client.get("/Clairoix/accueil/").status_code == 200  # both caches warm
    redis_calls.clear()
    with CaptureQueriesContext(connection) as home:
        response = parent_client.get("/Clairoix/accueil/")
    assert response.status_code == 200
    assert "Mode test" in response.content.decode()  # the banner read the PayFiP mode
    assert redis_calls == ["mget"]
    assert not [q for q in home.captured_queries if "tenants_commune" in q["sql"]]


def test_after_the_request_a_read_asks_redis_again(clairoix, parent_client):
    """The tokens read when a request starts are forgotten when it ends: a change made on
    another node since is seen by the next read in this thread."""
    assert parent_client.get("/Clairoix/accueil/").status_code == 200
    node_cache._redis().set(selectors.communes_cache.key, "another node's change")
    with CaptureQueriesContext(connection) as after:
        assert selectors.commune_by_slug("Clairoix") is not None
    assert [q for q in after.captured_queries if "tenants_commune" in q["sql"]]


@pytest.mark.parametrize("path", ["/healthz", "/console/", "/api/"])
def test_a_page_outside_any_commune_asks_the_node_caches_nothing(
    client, clairoix, path, redis_calls
):
    client.get(path)  # whatever its answer: the console's login, the health check, a 404
    redis_calls.clear()
    client.get(path)
    assert redis_calls == []
