"""tenants.compiled: a queryset compiled once gives, for any values, what the ORM gives."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Value
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from portal.models import Child, Guardian
from tenants.compiled import CompiledQuery, compiled_query, fetch_together
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory


def guardians_of(household_id):
    return Guardian.objects.select_related("household", "user").filter(household_id=household_id)


def children_born(household_ids, since):
    return Child.objects.filter(household_id__in=household_ids, birth_date__gte=since).order_by(
        "birth_date", "first_name"
    )


def counts(household_ids):
    born = Child.objects.filter(household_id__in=household_ids)
    named = Child.objects.filter(household_id__in=household_ids, first_name="Léa")
    by_household = born.values("household_id").annotate(n=Count("id")).order_by()
    return by_household.union(named.values("household_id").annotate(n=Count("id")), all=True)


@pytest.fixture
def families(in_clairoix):
    households = [HouseholdFactory(name=name) for name in ("ALPHA", "BETA", "GAMMA")]
    for index, household in enumerate(households):
        GuardianFactory(household=household)
        for day, name in enumerate(["Léa", "Maxime", "Zoé"][: index + 1]):
            ChildFactory(
                household=household, first_name=name, birth_date=datetime.date(2018, 1, 1 + day)
            )
    return households


@pytest.fixture
def compilations(monkeypatch):
    """How many times the ORM compiles a SELECT (its as_sql), counted around the real one."""
    calls = []
    original = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        calls.append(self.query.model.__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return calls


def test_the_rows_are_the_orms_for_every_value(families, compilations):
    statement = CompiledQuery(children_born)
    since = datetime.date(2018, 1, 2)
    for ids in ([families[0].pk], [families[1].pk, families[2].pk], [families[2].pk]):
        expected = list(children_born(ids, since))
        compilations.clear()
        got = statement.fetch(household_ids=ids, since=since)
        assert [(c.pk, c.first_name, c.birth_date) for c in got] == [
            (c.pk, c.first_name, c.birth_date) for c in expected
        ]
    # Each list length is its own statement (two here), compiled once.
    statement.fetch(household_ids=[families[2].pk], since=datetime.date(2000, 1, 1))
    statement.fetch(household_ids=[families[0].pk, families[1].pk], since=since)
    assert compilations == []
    assert (
        len(statement.fetch(household_ids=[families[2].pk], since=datetime.date(2000, 1, 1))) == 3
    )


def test_related_objects_come_in_the_same_statement(families, django_assert_num_queries):
    statement = CompiledQuery(guardians_of)
    statement.fetch(household_id=families[0].pk)  # compiled
    email = Guardian.objects.select_related("user").get(household=families[1]).user.email
    with django_assert_num_queries(1):
        (guardian,) = statement.fetch(household_id=families[1].pk)
        assert (guardian.household.name, guardian.user.email) == ("BETA", email)


def test_values_annotations_and_a_union(families):
    statement = CompiledQuery(counts)
    ids = [household.pk for household in families]
    got = sorted((row["household_id"], row["n"]) for row in statement.fetch(household_ids=ids))
    expected = sorted((row["household_id"], row["n"]) for row in counts(ids))
    assert (
        got == expected == sorted([(ids[0], 1), (ids[1], 2), (ids[2], 3)] + [(i, 1) for i in ids])
    )


def test_an_empty_list_gives_no_rows_and_no_query(families, django_assert_num_queries):
    statement = CompiledQuery(children_born)
    with django_assert_num_queries(0):
        assert statement.fetch(household_ids=[], since=datetime.date(2018, 1, 1)) == []


def test_one_statement_serves_each_communes_search_path(families, les_ageux):
    statement = CompiledQuery(guardians_of)
    household_id = families[0].pk
    assert [g.household.name for g in statement.fetch(household_id=household_id)] == ["ALPHA"]
    with schema_context(les_ageux.schema_name):
        other = HouseholdFactory(name="AILLEURS")
        GuardianFactory(household=other)
        with CaptureQueriesContext(connection) as queries:
            rows = statement.fetch(household_id=other.pk)
        assert [g.household.name for g in rows] == ["AILLEURS"]
        assert "c_" not in queries.captured_queries[-1]["sql"]  # no schema in the SQL


def test_a_value_a_lookup_transforms_is_refused_when_prepared(in_clairoix):
    @compiled_query
    def named_like(text):
        return Child.objects.filter(first_name__icontains=text)

    with pytest.raises(ValueError, match="did not reach the SQL as given"):
        named_like.fetch(text="léa")


def test_first_is_none_without_rows(in_clairoix):
    statement = CompiledQuery(lambda household_id: guardians_of(household_id)[:1])
    assert statement.first(household_id=0) is None


def test_several_statements_in_one_round_trip_give_each_its_rows(
    families, django_assert_num_queries
):
    guardians, born = CompiledQuery(guardians_of), CompiledQuery(children_born)
    union = CompiledQuery(counts)
    ids = [household.pk for household in families]
    since = datetime.date(2018, 1, 2)
    expected = (
        [g.household.name for g in guardians.fetch(household_id=ids[1])],
        [c.pk for c in born.fetch(household_ids=ids, since=since)],
        sorted((row["household_id"], row["n"]) for row in union.fetch(household_ids=ids)),
    )
    with django_assert_num_queries(1):
        got_guardians, got_born, nobody, got_union = fetch_together(
            (guardians, {"household_id": ids[1]}),
            (born, {"household_ids": ids, "since": since}),
            (born, {"household_ids": [], "since": since}),  # no statement sent for it
            (union, {"household_ids": ids}),
        )
        names = [g.household.name for g in got_guardians]  # select_related: no query more
    assert names == expected[0] == ["BETA"]
    assert [c.pk for c in got_born] == expected[1] and len(expected[1]) == 3
    assert nobody == []
    assert sorted((row["household_id"], row["n"]) for row in got_union) == expected[2]


def prepared_on_server() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def test_a_statement_is_prepared_on_the_server_and_logged_as_its_sql(families):
    statement = CompiledQuery(guardians_of)
    ids = [household.pk for household in families]
    with CaptureQueriesContext(connection) as queries:
        names = [[g.household.name for g in statement.fetch(household_id=i)] for i in ids]
    assert names == [["ALPHA"], ["BETA"], ["GAMMA"]]
    compiled, _params = statement._statement({"household_id": ids[0]})
    assert '"portal_guardian"' in prepared_on_server()[compiled.name]
    # The log shows each run's SQL with its value (the PREPARE, once, is not a query of it).
    logged = [query["sql"] for query in queries.captured_queries]
    assert len(logged) == 3
    assert all(sql.startswith("SELECT") and '"portal_guardian"' in sql for sql in logged)
    assert all(f'"household_id" = {i}' in sql for i, sql in zip(ids, logged, strict=True))


def labelled_children(household_id, since):
    """Constants of every kind a statement may hold beside its arguments."""
    return (
        Child.objects.filter(household_id=household_id, birth_date__gte=since)
        .annotate(
            note=Value("50 %s d'acompte, \\ non"),
            rank=Value(-1),
            share=Value(Decimal("-0.50")),
            day=Value(datetime.date(2017, 12, 18)),
        )
        .order_by("first_name")
    )


def test_the_constants_are_written_into_the_prepared_statement_as_they_were_sent(families):
    # PostgreSQL's generic plan of a prepared statement sees no parameter's value, so an
    # expression index on AT TIME ZONE 'Europe/Paris' matched nothing when the time zone was
    # one (tests/ledger/test_statement_pages.py): constants are SQL literals, and read back.
    statement = CompiledQuery(labelled_children)
    values = {"household_id": families[2].pk, "since": datetime.date(2018, 1, 2)}
    constants = ("50 %s d'acompte, \\ non", -1, Decimal("-0.50"), datetime.date(2017, 12, 18))
    expected = [(c.first_name, c.note, c.rank, c.share, c.day) for c in labelled_children(**values)]
    rows = [(c.first_name, c.note, c.rank, c.share, c.day) for c in statement.fetch(**values)]
    assert rows == expected == [("Maxime", *constants), ("Zoé", *constants)]
    compiled, params = statement._statement(values)
    assert len(params) == 2 and set(params) == set(values.values())  # the arguments only
    assert "'50 %s d''acompte" in prepared_on_server()[compiled.name]


def test_a_connection_without_the_statement_prepares_it_again(families):
    statement = CompiledQuery(guardians_of)
    statement.fetch(household_id=families[0].pk)
    # As a new connection: nothing prepared on the server, nothing known.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    del connection.connection._preau_prepared
    assert [g.household.name for g in statement.fetch(household_id=families[1].pk)] == ["BETA"]


def test_after_a_failed_prepare_the_names_are_read_from_the_server(families):
    from tenants import compiled as module

    statement = CompiledQuery(guardians_of)
    statement.fetch(household_id=families[0].pk)  # prepared on the server
    connection.connection._preau_prepared = module._UNKNOWN  # as after a failed PREPARE
    # Not prepared twice ("already exists"): the server says what it has.
    assert [g.household.name for g in statement.fetch(household_id=families[2].pk)] == ["GAMMA"]


def test_a_number_its_column_cannot_hold_finds_nothing(families):
    """Integers are bigint parameters: a value a smallint column (the guardian's rank) cannot
    hold is no error, only no row, as with the ORM."""
    statement = CompiledQuery(lambda rank: Guardian.objects.filter(rank=rank))
    assert statement.fetch(rank=2**40) == list(Guardian.objects.filter(rank=2**40)) == []
    assert len(statement.fetch(rank=1)) == 3


def test_a_column_a_migration_widens_fails_one_run_then_the_statement_is_prepared_again(
    families,
):
    """PostgreSQL refuses a prepared statement whose result type changed ("cached plan must
    not change result type"): that run fails, the connection prepares its statements again."""
    from django.db import DatabaseError, transaction

    statement = CompiledQuery(lambda household_id: Child.objects.filter(household_id=household_id))
    statement.fetch(household_id=families[0].pk)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixture's rows checked first
        cursor.execute("ALTER TABLE portal_child ALTER COLUMN first_name TYPE varchar(300)")
    try:
        with pytest.raises(DatabaseError, match="cached plan must not change result type"):
            with transaction.atomic():
                statement.fetch(household_id=families[0].pk)
        names = [child.first_name for child in statement.fetch(household_id=families[2].pk)]
        assert sorted(names) == ["Léa", "Maxime", "Zoé"]
    finally:
        # The test's rollback narrows the column again: nothing prepared on it may outlive it.
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        del connection.connection._preau_prepared
