"""The one on-commit enqueue helper: nothing reaches the broker before the commit, and the
task is told the schema the change was made in."""

from django.db import connection, transaction

from notifications.publish import publish_on_commit


class RecordingTask:
    name = "recording"

    def __init__(self):
        self.calls = []

    def apply_async(self, *, args, headers, retry):
        self.calls.append((args, headers["_schema_name"], retry))


class BrokerDown(RecordingTask):
    def apply_async(self, **kwargs):
        raise ConnectionError("broker down")


def test_a_task_is_published_after_the_commit_in_the_schema_of_the_change(
    in_clairoix, django_capture_on_commit_callbacks
):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish_on_commit(task, 7, "x")
        assert task.calls == []
    assert task.calls == [([7, "x"], connection.schema_name, False)]
    assert connection.schema_name == in_clairoix.schema_name


def test_a_rolled_back_change_publishes_nothing(in_clairoix, django_capture_on_commit_callbacks):
    task = RecordingTask()
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            publish_on_commit(task, 7)
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert task.calls == []


def test_a_broker_down_does_not_fail_the_commit(in_clairoix, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        publish_on_commit(BrokerDown(), 7)
    assert len(callbacks) == 1
