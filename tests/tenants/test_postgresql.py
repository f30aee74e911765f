"""tenants.postgresql: the persistent connection's health check is the commune's search path
(one round trip where Django and django-tenants send two), and still reopens a dead one."""

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext


@pytest.fixture
def own_connection(clairoix):
    """A second connection to the test database, with health checks as in production."""
    wrapper = connections.create_connection("default")
    wrapper.settings_dict = {**wrapper.settings_dict, "CONN_HEALTH_CHECKS": True}
    wrapper.set_schema(clairoix.schema_name)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
    yield wrapper
    wrapper.close()


def next_request(wrapper, schema):
    """What Django does when a request starts, then the routing middleware."""
    wrapper.close_if_unusable_or_obsolete()
    wrapper.set_schema(schema)


def show_search_path(wrapper) -> tuple[str, list[str]]:
    with CaptureQueriesContext(wrapper) as queries, wrapper.cursor() as cursor:
        cursor.execute("SHOW search_path")
        search_path = cursor.fetchone()[0]
    return search_path, [query["sql"] for query in queries.captured_queries]


def test_the_health_check_sets_the_search_path_of_the_request(own_connection, les_ageux):
    assert own_connection.health_check_enabled
    pid = own_connection.connection.info.backend_pid
    for schema in ("c_les_ageux", "c_clairoix", "public"):
        next_request(own_connection, schema)
        search_path, sent = show_search_path(own_connection)
        expected = f"{schema}, public" if schema != "public" else "public"
        assert search_path == expected
        assert sent == ["SHOW search_path"]  # no SET of its own: the check was it
    assert own_connection.connection.info.backend_pid == pid  # the same connection all along


def test_a_connection_cut_between_two_requests_is_reopened(own_connection):
    pid = own_connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    next_request(own_connection, "c_clairoix")
    search_path, _sent = show_search_path(own_connection)
    assert search_path == "c_clairoix, public"
    assert own_connection.connection.info.backend_pid != pid


def rolled_back(wrapper, body):
    """What transaction.atomic does around a block that raises (a refused order), on this
    connection (atomic() knows only the connections Django's registry holds)."""
    wrapper.set_autocommit(False)
    try:
        body()
    finally:
        wrapper.rollback()
        wrapper.set_autocommit(True)


def test_a_rollback_keeps_a_search_path_set_before_its_transaction(own_connection):
    next_request(own_connection, "c_clairoix")
    show_search_path(own_connection)
    rolled_back(own_connection, lambda: show_search_path(own_connection))
    assert show_search_path(own_connection) == ("c_clairoix, public", ["SHOW search_path"])


def test_a_rollback_forgets_a_search_path_set_inside_its_transaction(own_connection, les_ageux):
    next_request(own_connection, "c_clairoix")
    show_search_path(own_connection)

    def switch():
        own_connection.set_schema("c_les_ageux")
        assert show_search_path(own_connection)[0] == "c_les_ageux, public"

    rolled_back(own_connection, switch)  # PostgreSQL undoes the SET: back to Clairoix's path
    search_path, sent = show_search_path(own_connection)
    assert search_path == "c_les_ageux, public"
    assert sent == ['SET search_path = "c_les_ageux","public"', "SHOW search_path"]
