"""The suite's xdist groups reach the scheduler (tests/conftest.py): the browser suite, the
multi-node test and the fault tests each run on one worker, every other test anywhere."""

from tests.conftest import pytest_xdist_make_scheduler


class TwoWorkersLoadGroup:
    """What `pytest -n 2 --dist loadgroup` gives the scheduler to read."""

    def getvalue(self, name):
        return {"dist": "loadgroup", "tx": ["2*popen"]}[name]


def scope_of(nodeid):
    return pytest_xdist_make_scheduler(config=TwoWorkersLoadGroup(), log=None)._split_scope(nodeid)


def test_each_group_is_one_scope_whatever_its_files():
    assert {
        scope_of("tests/e2e/test_gestion.py::test_dashboard_kitchen_and_exports[tablet]"),
        scope_of("tests/e2e/test_payment.py::test_reserve_and_pay[phone]"),
    } == {"e2e"}
    assert {
        scope_of("tests/test_postgres_restart.py::test_requests_and_tasks_succeed"),
        scope_of("tests/notifications/test_broker_down.py::test_outbox_waits"),
    } == {"processes"}
    assert scope_of("tests/deploy/test_multinode.py::test_an_opening_rush") == "multinode"


def test_other_tests_are_spread_one_by_one():
    nodeid = "tests/booking/test_order.py::test_validate"
    assert scope_of(nodeid) == nodeid
    assert scope_of("tests/booking/test_order.py::test_other") != scope_of(nodeid)


def test_other_dist_modes_keep_xdist_schedulers():
    class LoadFile(TwoWorkersLoadGroup):
        def getvalue(self, name):
            return "loadfile" if name == "dist" else super().getvalue(name)

    assert pytest_xdist_make_scheduler(config=LoadFile(), log=None) is None
