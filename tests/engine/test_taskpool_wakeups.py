"""The thread pool wakes its feeder for a batch of results, not for each one."""

from __future__ import annotations

import threading
import time

from s3bo_cli.engine.inflight import SlotPool
from s3bo_cli.engine.tasklog import TaskResult
from s3bo_cli.engine.taskpool import Retry, TaskPool
from s3bo_cli.model.manifest import ManifestEntry


class CountingCondition(threading.Condition):
    """A condition that counts the wake-ups it sends (to a waiting feeder)."""

    def __init__(self, lock: threading.Lock) -> None:
        super().__init__(lock)
        self.notified = 0

    def notify(self, n: int = 1) -> None:
        if self._waiters:  # type: ignore[attr-defined]
            self.notified += 1
        super().notify(n)


def run_one(index: int, entry: ManifestEntry, *, retry: Retry | None = None) -> TaskResult:
    time.sleep(0.001)  # a task that waits (on a disk, say) while the feeder sleeps
    return TaskResult(index, entry.bucket, entry.key, None, "succeeded", 200)


def feed_and_count_wakeups(tasks: int, pool: TaskPool) -> int:
    """Run ``tasks`` tasks through ``pool``, keeping it full; the feeder's wake-ups."""
    with pool:
        done = CountingCondition(pool._lock)  # type: ignore[arg-type]
        pool._done = done
        collected: list[TaskResult] = []
        feed = iter(range(tasks))
        while True:
            while pool.pending < pool.window and (index := next(feed, None)) is not None:
                pool.submit(index, ManifestEntry("b", f"k{index}", None))
            if not pool.pending:
                break
            collected += pool.collect(60)
    assert sorted(r.index for r in collected) == list(range(tasks))
    return done.notified


def test_results_wake_the_feeder_in_batches_and_every_result_is_collected() -> None:
    tasks, window = 400, 8
    notified = feed_and_count_wakeups(tasks, TaskPool(run_one, SlotPool(window, adaptive=False)))
    # A wake-up per half a window of results (and per result once the queue runs low),
    # not one per result.
    assert notified < tasks / 3  # about 90 here; one a result: over 200


def test_a_feeder_that_sends_results_on_in_batches_wakes_once_a_batch() -> None:
    """A task process sends a slot's worth at a time: it is woken for no fewer."""
    tasks, slots = 400, 4
    pool = TaskPool(run_one, SlotPool(slots, adaptive=False), wake_for=slots)
    # Once per 4 results while the queue holds 4 or more: about 100; per 2, about 200.
    assert feed_and_count_wakeups(tasks, pool) < tasks / 3
