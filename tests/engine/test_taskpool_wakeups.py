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


def test_results_wake_the_feeder_in_batches_and_every_result_is_collected() -> None:
    def run_one(index: int, entry: ManifestEntry, *, retry: Retry | None = None) -> TaskResult:
        time.sleep(0.001)  # a task that waits (on a disk, say) while the feeder sleeps
        return TaskResult(index, entry.bucket, entry.key, None, "succeeded", 200)

    tasks, window = 400, 8
    with TaskPool(run_one, SlotPool(window, adaptive=False)) as pool:
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
    # A wake-up per half a window of results (and per result once the queue runs low),
    # not one per result.
    assert done.notified < tasks / 3  # about 90 here; one a result: over 200
