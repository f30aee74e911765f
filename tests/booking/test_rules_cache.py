"""The services' rules come from each process's copy (booking/selectors/rules_cache.py),
and any write to their tables, by any code, makes every node read them again."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from booking import closures, selectors
from booking.models import OpenMonth, Price, SiteDay
from booking.selectors import rules as rules_module
from booking.selectors import rules_cache
from booking.services.rules import lock_site_days
from tenants import node_cache
from tests.booking.factories import paris
from tests.factories import UserFactory

NOW = paris(2026, 12, 15, 9, 0)
MON = datetime.date(2027, 1, 4)


def rules_read(queries) -> bool:
    return any("booking_openmonth" in query["sql"] for query in queries.captured_queries)


def read_rules(service):
    with CaptureQueriesContext(connection) as queries:
        rules = selectors.service_rules(service)
    return rules, rules_read(queries)


def token():
    return node_cache._redis().get(rules_cache.rules_cache.key)


@pytest.fixture
def web_node(monkeypatch, canteen_2027):
    """A web process that has just started: its own memory, the shared Redis; the writes
    below come from another process (their watch invalidates through Redis)."""
    cache = node_cache.NodeCache("service-rules")
    monkeypatch.setattr(rules_module, "rules_cache", cache)
    return cache


def test_the_rules_are_read_once_then_again_after_a_closure(web_node, canteen_2027, blanchard):
    service = canteen_2027.service
    first, read = read_rules(service)
    assert read
    again, read = read_rules(service)
    assert not read and again.months == first.months
    assert again.service is service  # the caller's own instance, not the first caller's

    agent = UserFactory(is_staff=True, is_superuser=True)
    closures.close_day(service=service, day=MON, reason="grève", closed_by=agent, now=NOW)

    after, read = read_rules(service)
    assert read and after.closures == {MON: "grève"}
    planning = selectors.planning_for(blanchard.household, service, now=NOW)
    reasons = {
        cell.reason
        for _child, _kind, month in planning.cells()
        for cell in month.cells
        if cell.day == MON
    }
    assert reasons == {"fermé : grève"}


@pytest.mark.parametrize(
    "write",
    [
        lambda c: Price.objects.filter(meal_kind=c.meal).update(amount=Decimal("5.10")),
        lambda c: OpenMonth.objects.create(service=c.service, month=datetime.date(2027, 4, 1)),
        lambda c: OpenMonth.objects.filter(month=datetime.date(2027, 3, 1)).delete(),
        lambda c: SiteDay.objects.create(site=c.site, day=MON, capacity=3),
        lambda c: c.service.save(),
    ],
    ids=["price updated", "month opened", "month closed", "capacity set", "service saved"],
)
def test_each_write_to_the_rules_tables_reaches_the_next_read(web_node, canteen_2027, write):
    service = canteen_2027.service
    read_rules(service)
    assert not read_rules(service)[1]
    write(canteen_2027)
    assert read_rules(service)[1]


def test_the_places_lock_and_other_writes_keep_the_copy(web_node, canteen_2027, blanchard):
    service = canteen_2027.service
    read_rules(service)
    before = token()
    with transaction.atomic():
        lock_site_days([(canteen_2027.site.pk, MON)])  # creates the day's row, no capacity
    UserFactory()
    assert token() == before
    assert not read_rules(service)[1]


def test_a_transaction_of_many_writes_asks_redis_once_before_its_commit(canteen_2027):
    with transaction.atomic():
        Price.objects.filter(meal_kind=canteen_2027.meal).update(amount=Decimal("5.10"))
        changed = token()
        for amount in ("5.20", "5.30"):
            Price.objects.filter(meal_kind=canteen_2027.meal).update(amount=Decimal(amount))
        assert token() == changed


def test_the_service_of_a_code_is_read_once_and_closed_at_once(web_node, canteen_2027):
    with CaptureQueriesContext(connection) as first:
        service = selectors.service_by_code("cant")
    with CaptureQueriesContext(connection) as again:
        assert selectors.service_by_code("cant") is service
    assert len(first.captured_queries) == 1 and again.captured_queries == []
    assert selectors.service_by_code("nope") is None
    with CaptureQueriesContext(connection) as unknown:
        assert selectors.service_by_code("nope") is None  # never stored: asked again
    assert len(unknown.captured_queries) == 1

    canteen_2027.service.is_active = False
    canteen_2027.service.save()
    assert selectors.service_by_code("cant") is None
