"""A task process sends its results in time for the parent to keep it busy.

The child's serving loop runs here on a thread, over real pipes, with the send
interval made endless: results must travel because the child holds a slot's worth,
or has nothing left to run, never because a timer ran out.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

import pytest

from s3bo_cli.engine import taskprocs
from s3bo_cli.engine.inflight import SlotPool
from s3bo_cli.engine.tasklog import SUCCEEDED, TaskResult
from s3bo_cli.engine.taskpool import Retry
from s3bo_cli.model.manifest import ManifestEntry

#: Generous: a result that comes at all comes within milliseconds.
PATIENCE = 60

#: Starts a child serving ``task(index)`` on ``slots`` threads: (to_child, from_child).
Start = Callable[[Callable[[int], None], int], tuple[Connection, Connection]]


def tasks(indexes: range) -> tuple[str, list[tuple[int, ManifestEntry]]]:
    return ("tasks", [(i, ManifestEntry("b", f"k{i}", None)) for i in indexes])


@pytest.fixture
def child(monkeypatch) -> Iterator[Start]:
    """A child's serving loop on a thread, told to exit (and its pipes closed) at the end."""
    monkeypatch.setattr(taskprocs, "SEND_INTERVAL", 1e6)
    started: list[tuple[threading.Thread, list[Connection]]] = []

    def start(task: Callable[[int], None], slots: int) -> tuple[Connection, Connection]:
        def run_one(index: int, entry: ManifestEntry, *, retry: Retry | None = None) -> TaskResult:
            task(index)
            return TaskResult(index, entry.bucket, entry.key, None, SUCCEEDED, 200)

        child_read, parent_write = os.pipe()
        parent_read, child_write = os.pipe()
        inbox = Connection(child_read, writable=False)
        outbox = Connection(child_write, readable=False)
        serving = threading.Thread(
            target=taskprocs._serve_on_threads,
            args=(inbox, outbox, run_one, SlotPool(slots, adaptive=False)),
            daemon=True,
        )
        serving.start()
        to_child = Connection(parent_write, readable=False)
        from_child = Connection(parent_read, writable=False)
        started.append((serving, [to_child, from_child, inbox, outbox]))
        return to_child, from_child

    yield start
    for serving, (to_child, *others) in started:
        to_child.send(("exit",))
        serving.join(PATIENCE)
        assert not serving.is_alive()
        for conn in (to_child, *others):
            conn.close()


def results(from_child: Connection) -> list[int]:
    assert from_child.poll(PATIENCE), "the child sent nothing"
    kind, batch = from_child.recv()
    assert kind == "results"
    return [r.index for r in batch]


def test_a_child_sends_a_slots_worth_of_results_while_its_other_tasks_wait(child) -> None:
    """The parent hears of finished tasks while the rest still run, so it can refill."""
    first_heard = threading.Event()

    def task(index: int) -> None:
        if index >= 2:  # held until the parent has heard of the first two
            assert first_heard.wait(PATIENCE)

    to_child, from_child = child(task, 2)
    to_child.send(tasks(range(6)))
    assert sorted(results(from_child)) == [0, 1]
    first_heard.set()
    heard = []
    while len(heard) < 4:
        heard += results(from_child)
    assert sorted(heard) == [2, 3, 4, 5]


def test_an_idle_child_runs_and_reports_new_tasks_at_once(child) -> None:
    """An idle child waits for the parent's next message, not for a timer."""
    to_child, from_child = child(lambda index: None, 4)
    to_child.send(tasks(range(1)))
    assert results(from_child) == [0]
    to_child.send(tasks(range(1, 2)))  # the child is idle now, waiting
    assert results(from_child) == [1]
