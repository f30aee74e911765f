"""The parents' pages served again from Redis (tenants/page_cache.py): never stale, never
another family's, never a message twice, always with a CSRF token that works."""

import json
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import redis
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from redis.backoff import NoBackoff
from redis.retry import Retry

from booking.models import Reservation
from ledger import services as ledger_services
from portal.accounts.sessions import SessionStore
from tenants import node_cache, page_cache
from tests.booking.pages import PLANNING, RECAP
from tests.factories import PASSWORD
from tests.tenants.test_sessions import CLAIROIX_COOKIE

STATEMENT = "/Clairoix/reservations/cant/compte/"
DOCUMENTS = "/Clairoix/reservations/cant/factures/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE = True


def versions(*schemas):
    return [node_cache._redis().get(page_cache.version_key(schema)) for schema in schemas]


def free_keys(response, count):
    planning = response.context["planning"]
    cells = planning.children[0].kinds[0].months[0].cells
    return [cell.key for cell in cells if not cell.disabled][:count]


def test_a_page_seen_again_is_served_from_the_cache_with_a_fresh_working_token(
    client, blanchard, canteen
):
    client = Client(enforce_csrf_checks=True)
    login = client.get("/Clairoix/")
    token = TOKEN.search(login.content.decode()).group(1)
    form = {"csrfmiddlewaretoken": token, "username": blanchard.user.email, "password": PASSWORD}
    assert client.post("/Clairoix/", form).status_code == 302
    first = client.get(PLANNING)
    assert first.context is not None  # rendered
    with CaptureQueriesContext(connection) as hit:
        again = client.get(PLANNING)
    assert again.context is None  # served from Redis
    # The commune's search path, the session with its user: nothing of the page itself.
    assert len(hit.captured_queries) == 2, [q["sql"][:60] for q in hit.captured_queries]
    tokens = (TOKEN.findall(first.content.decode()), TOKEN.findall(again.content.decode()))
    assert tokens[0] and len(tokens[0]) == len(tokens[1]) and tokens[0] != tokens[1]
    assert TOKEN.sub("", first.content.decode()) == TOKEN.sub("", again.content.decode())
    # The token of the page served again is accepted: "Finaliser la commande" goes through.
    keys = free_keys(first, 1)
    posted = client.post(
        PLANNING, {"csrfmiddlewaretoken": tokens[1][0], keys[0]: "on", "finalize": "1"}
    )
    assert posted.status_code == 302 and posted["Location"] == RECAP


def test_what_the_family_does_shows_at_once(parent_client, blanchard, canteen):
    ledger_services.record_payment(
        household=blanchard.household,
        service_code="cant",
        amount=Decimal("10.00"),
        mode="cash",
        recorded_by=blanchard.user,
        idempotency_key="prepaid",
    )
    planning = parent_client.get(PLANNING)
    statement = parent_client.get(STATEMENT).content.decode()
    assert parent_client.get(PLANNING).context is None  # cached
    keys = free_keys(planning, 2)
    parent_client.post(PLANNING, {**{key: "on" for key in keys}, "finalize": "1"})
    recap = parent_client.get(RECAP)
    assert "9,40" in recap.content.decode()
    parent_client.post("/Clairoix/reservations/cant/valider/")
    assert Reservation.objects.filter(status="confirmed").count() == 2

    shown = parent_client.get(PLANNING)
    assert shown.context is not None  # the validation made the stored grid stale
    page = shown.content.decode()
    assert page.count('<td class="day reserved') == 2
    after = parent_client.get(STATEMENT).content.decode()
    assert after != statement and "9,40" in after


def test_a_write_tells_every_node_when_it_commits_and_a_rollback_tells_none(
    clairoix, blanchard, django_capture_on_commit_callbacks
):
    before = versions(clairoix.schema_name)
    page_cache._thread.read = False  # as on another node: no page read in this thread
    # As in a transaction of its own: the fixtures' writes told nothing yet.
    publish = page_cache._publisher(clairoix.schema_name)
    connection.run_on_commit[:] = [e for e in connection.run_on_commit if e[1] is not publish]
    with transaction.atomic():
        sid = transaction.savepoint()
        blanchard.household.name = "BLANCHARD-MARTIN"
        blanchard.household.save()
        transaction.savepoint_rollback(sid)
    assert versions(clairoix.schema_name) == before  # nothing committed, nothing said
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            blanchard.household.name = "BLANCHARD-MARTIN"
            blanchard.household.save()
            blanchard.save()
            assert versions(clairoix.schema_name) == before  # not before the commit
    assert len(callbacks) == 1  # one per transaction, however many writes
    assert versions(clairoix.schema_name) != before


def test_reading_pages_and_other_communes_writes_change_nothing(
    parent_client, clairoix, les_ageux, canteen, django_capture_on_commit_callbacks
):
    parent_client.get(STATEMENT)
    before = versions(clairoix.schema_name, "public")
    with django_capture_on_commit_callbacks(execute=True):
        for page in (PLANNING, STATEMENT, DOCUMENTS):  # the session is written meanwhile
            assert parent_client.get(page).status_code == 200
        with schema_context(les_ageux.schema_name), transaction.atomic():
            from tests.portal.factories import HouseholdFactory

            HouseholdFactory(name="VOISIN")
    assert versions(clairoix.schema_name, "public") == before
    assert parent_client.get(STATEMENT).context is None


def test_another_parent_logging_in_leaves_the_pages_stored_for_the_others(
    parent_client, clairoix, dupont, canteen, django_capture_on_commit_callbacks
):
    """A login writes its time on the user (shown on no parent's page): before, each one
    made every page stored in the commune stale. A real change to a user still does."""
    assert parent_client.get(STATEMENT).context is not None  # rendered and stored
    before = versions(clairoix.schema_name)
    with django_capture_on_commit_callbacks(execute=True):
        form = {"username": dupont.user.email, "password": PASSWORD}
        assert Client().post("/Clairoix/", form).status_code == 302
    dupont.user.refresh_from_db()
    assert dupont.user.last_login is not None  # written, as Django does at every login
    assert versions(clairoix.schema_name) == before
    assert parent_client.get(STATEMENT).context is None  # still served again

    with django_capture_on_commit_callbacks(execute=True):
        dupont.user.first_name = "Annie"
        dupont.user.save(update_fields=["first_name", "last_login"])
    assert versions(clairoix.schema_name) != before
    assert parent_client.get(STATEMENT).context is not None  # rendered again


def test_two_families_never_see_each_others_page(client, blanchard, dupont, canteen):
    ledger_services.record_payment(
        household=blanchard.household,
        service_code="cant",
        amount=Decimal("12.34"),
        mode="cash",
        recorded_by=blanchard.user,
        idempotency_key="blanchard",
    )
    other = Client()
    for who, browser in ((blanchard, client), (dupont, other)):
        form = {"username": who.user.email, "password": PASSWORD}
        assert browser.post("/Clairoix/", form).status_code == 302
    for _ in range(2):
        assert "12,34" in client.get(STATEMENT).content.decode()
        assert "12,34" not in other.get(STATEMENT).content.decode()


def test_a_message_is_shown_once(parent_client, canteen):
    keys = free_keys(parent_client.get(PLANNING), 1)
    parent_client.post(PLANNING, {keys[0]: "on", "finalize": "1"})
    parent_client.post("/Clairoix/reservations/cant/valider/")  # to pay first: a message
    said = "doit être payée"
    assert said in parent_client.get(RECAP).content.decode()
    assert said not in parent_client.get(RECAP).content.decode()
    assert said not in parent_client.get(RECAP).content.decode()


def test_a_page_is_not_served_past_its_next_cut_off(parent_client, canteen, monkeypatch):
    first = parent_client.get(PLANNING)
    cutoff = first.context["planning"].next_cutoff
    assert cutoff is not None
    assert parent_client.get(PLANNING).context is None
    # The page cache's clock only: the session's idle clock would log the parent out.
    monkeypatch.setattr(page_cache, "time", SimpleNamespace(time=lambda: cutoff.timestamp() + 1))
    assert parent_client.get(PLANNING).context is not None  # rendered again


def test_without_redis_pages_are_rendered_each_time(parent_client, canteen, monkeypatch):
    gone = redis.Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr(page_cache, "_redis", lambda: gone)
    for _ in range(2):
        response = parent_client.get(STATEMENT)
        assert response.status_code == 200 and response.context is not None


def test_a_page_served_again_asks_redis_once(parent_client, canteen, redis_calls):
    assert parent_client.get(STATEMENT).context is not None  # rendered and stored
    redis_calls.clear()
    assert parent_client.get(STATEMENT).context is None  # served again
    # The routing middleware's MGET brought the node caches' tokens, the data versions
    # and the page: nothing else.
    assert redis_calls == ["mget"]


def test_a_session_whose_content_changed_is_not_served_the_former_page(parent_client, canteen):
    assert parent_client.get(STATEMENT).context is not None
    assert parent_client.get(STATEMENT).context is None
    key = parent_client.cookies[CLAIROIX_COOKIE].value
    session = SessionStore(session_key=key)
    session["preau_test_marker"] = "changed"  # as a draft order put in the session
    session.save()
    assert parent_client.get(STATEMENT).context is not None  # rendered for the new content
    assert parent_client.get(STATEMENT).context is None


def test_an_entry_stored_by_the_former_version_is_rendered_again(parent_client, canteen):
    """A rolling deploy: entries without the user and session check ("who") are not served."""
    assert parent_client.get(STATEMENT).context is not None
    key = parent_client.cookies[CLAIROIX_COOKIE].value
    entry = page_cache._entry_key("c_clairoix", key, STATEMENT)
    page = json.loads(node_cache._redis().get(entry))
    del page["who"]
    node_cache._redis().set(entry, json.dumps(page), ex=60)
    response = parent_client.get(STATEMENT)
    assert response.status_code == 200 and response.context is not None
