"""Runs a job's tasks on threads, as many at once as a slot pool allows.

A task the endpoint throttled (503 SlowDown, 429, a broken connection) gives its
slot back, waits a jittered, growing back-off, takes a slot again (a throttled
task waiting for one goes before tasks not yet started, so retries do not pile
up behind new work) and repeats only the request that was throttled: a
before-image already recorded is not read again. It is reported failed only
when its attempts run out. Each task yields exactly one result,
collected by whoever feeds the pool; a task that had not started when the pool
was stopped yields none, and stays to do.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from s3bo_cli import greenio, logs, ops
from s3bo_cli.engine import faults
from s3bo_cli.engine.inflight import SlotPool
from s3bo_cli.engine.tasklog import FAILED, SUCCEEDED, TaskResult
from s3bo_cli.errors import S3Error
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.safety.hook import TaskHook

#: Attempts of a throttled task before it is reported failed.
MAX_ATTEMPTS = 10
#: Back-off before attempt n+1: a random wait up to min(CAP, BASE * 2**n) seconds.
BACKOFF_BASE = 0.05
BACKOFF_CAP = 5.0
#: Error codes that mean "slow down", whatever the HTTP status.
THROTTLE_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "TooManyRequests",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "RequestTimeout",
    }
)

#: Asked by a task with a failed attempt: True once it may try again (throttled,
#: attempts left, backed off, a slot taken).
Retry = Callable[[TaskResult], bool]


class RunOne(Protocol):
    """Runs one task to its result, asking ``retry`` after each failed attempt."""

    def __call__(
        self, index: int, entry: ManifestEntry, *, retry: Retry | None = None
    ) -> TaskResult: ...


def is_throttled(result: TaskResult) -> bool:
    """A failure the endpoint may not repeat if asked again later."""
    return result.status == FAILED and (
        result.http_status in (429, 503) or result.error_code in THROTTLE_CODES
    )


def backoff(attempt: int) -> float:
    """Full-jitter exponential back-off, in seconds."""
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))


class TaskPool:
    """Threads running tasks under a :class:`SlotPool`; results come back through ``collect``."""

    def __init__(self, run_one: RunOne, slots: SlotPool, *, wake_for: int | None = None) -> None:
        """``wake_for``: results that wake the feeder (default: half the slots open)."""
        self.run_one = run_one
        self.slots = slots
        self._wake_for = wake_for
        #: Tasks worth queueing: enough to fill every slot the pool may open.
        self.window = 2 * slots.ceiling + 8
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # a task queued or a slot freed
        self._retry = threading.Condition(self._lock)  # a slot freed, for a throttled task
        self._done = threading.Condition(self._lock)  # a result ready
        self._queue: deque[tuple[int, ManifestEntry]] = deque()
        self._retrying = 0  # throttled tasks waiting for a slot: they go first
        self._results: list[TaskResult] = []
        self._pending = 0  # queued or running, not yet collected
        self._stopping = False
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._grow()

    def _grow(self) -> None:
        """One thread per slot the pool allows now (threads only ever wait or work)."""
        while len(self._threads) < self.slots.limit:
            thread = threading.Thread(
                target=self._work_loop, name=f"s3bo-task-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    # -- the feeding side -------------------------------------------------------

    @property
    def pending(self) -> int:
        """Tasks submitted whose results have not been collected (nor dropped)."""
        return self._pending

    def submit(self, index: int, entry: ManifestEntry) -> None:
        with self._lock:
            self._queue.append((index, entry))
            self._pending += 1
            self._work.notify()

    def collect(self, timeout: float) -> list[TaskResult]:
        """The results finished since the last call; waits up to ``timeout`` for one."""
        self._grow()
        with self._lock:
            if not self._results and self._pending:
                self._done.wait(timeout)
            results, self._results = self._results, []
            self._pending -= len(results)
            return results

    def stop(self) -> None:
        """Leave queued tasks (and throttled ones waiting to retry) unstarted."""
        with self._lock:
            self._stopping = True
            self._pending -= len(self._queue)
            self._queue.clear()
            self._retry.notify_all()
            self._done.notify_all()

    def close(self) -> None:
        """Stop, and let the threads end once their tasks are done."""
        self.stop()
        with self._lock:
            self._closed = True
            self._work.notify_all()

    def __enter__(self) -> TaskPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the threads ------------------------------------------------------------

    def _take(self) -> tuple[int, ManifestEntry] | None:
        """The next task, once there is one and a slot for it; None when closing."""
        with self._lock:
            while True:
                if self._closed:
                    return None
                if self._queue and not self._retrying and self.slots.try_acquire():
                    return self._queue.popleft()
                self._work.wait()

    def _reacquire(self) -> bool:
        """A slot for a throttled task's next attempt; False if the pool stopped meanwhile."""
        with self._lock:
            self._retrying += 1
            try:
                while not self._stopping:
                    if self.slots.try_acquire():
                        return True
                    self._retry.wait()
            finally:
                self._retrying -= 1
                self._work.notify()  # new tasks may go now
            self._pending -= 1  # dropped: it stays to do
            self._done.notify_all()
            return False

    def _release(self, latency: float | None, throttled: bool) -> None:
        self.slots.release(latency, throttled=throttled)
        with self._lock:
            if self._retrying:
                self._retry.notify()
            else:
                self._work.notify()

    def _work_loop(self) -> None:
        while (task := self._take()) is not None:
            index, entry = task
            attempt = Attempts(self)
            result = self.run_one(index, entry, retry=attempt.again)
            if attempt.dropped:
                continue
            throttled = is_throttled(result)
            self._release(attempt.latency(throttled), throttled)
            with self._lock:
                self._results.append(result)
                # The feeder wakes for a batch of results, or when the queue runs low:
                # a wake-up per result cost a context switch a task, for no more work.
                batch = self._wake_for or max(1, self.slots.limit // 2)
                if len(self._results) >= batch or len(self._queue) < batch:
                    self._done.notify()


class Attempts:
    """One task's attempts: each gives its slot back, a throttled one retries.

    ``pool`` is a :class:`TaskPool` or a :class:`~s3bo_cli.engine.greenpool.GreenTaskPool`;
    its ``_release`` gives a slot back, its ``_reacquire`` takes one for the next attempt.
    """

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.count = 0
        self.start = time.monotonic()
        self.dropped = False

    def latency(self, throttled: bool) -> float | None:
        """The attempt's time; None for a retry's success, which repeated only part of
        a task and says nothing of the usual latency."""
        if self.count and not throttled:
            return None
        return time.monotonic() - self.start

    def again(self, result: TaskResult) -> bool:
        if not is_throttled(result) or self.count + 1 >= MAX_ATTEMPTS:
            return False
        self.pool._release(time.monotonic() - self.start, True)
        self.count += 1
        greenio.sleep(backoff(self.count - 1))  # on an event loop, the other tasks run
        if not self.pool._reacquire():
            self.dropped = True
            return False
        self.start = time.monotonic()
        return True


def run_task(
    operation: ops.Operation,
    context: ops.TaskContext,
    index: int,
    entry: ManifestEntry,
    *,
    hook: TaskHook | None = None,
    retry: Retry | None = None,
) -> TaskResult:
    """Run one task; every failure becomes a failed result, never an exception.

    After a failed attempt, ``retry`` says whether to try again: the hook's part
    (the before-image) is done once, then only the operation is repeated.
    """

    def result(status: str, http: int, code: str = "", message: str = "") -> TaskResult:
        return TaskResult(
            index, entry.bucket, entry.key, entry.version_id, status, http, code, message
        )

    if entry.version_id == "":
        return result(FAILED, 400, "InvalidRequest", "Task failed due to missing VersionId")
    chosen = None if hook is not None else operation
    while True:
        try:
            if chosen is None:  # records the before-image, then picks the task's function
                assert hook is not None
                chosen = hook(context, index, entry)
            outcome = chosen(context, entry)
            return result(SUCCEEDED, outcome.http_status, "", outcome.message)
        except S3Error as exc:
            if (fault := faults.storage_fault(exc)) is not None:  # a store error over a full disk
                return result(faults.FAULTED, 500, "", fault)
            failed = result(FAILED, exc.http_status, exc.code, exc.message)
        except Exception as exc:  # a bug or an unexpected store failure: report, keep going
            if (fault := faults.storage_fault(exc)) is not None:  # the engine's disk
                return result(faults.FAULTED, 500, "", fault)
            logs.get().debug(
                "task %s/%s failed unexpectedly", entry.bucket, entry.key, exc_info=True
            )
            failed = result(FAILED, 500, "InternalError", f"{type(exc).__name__}: {exc}")
        if retry is None or not retry(failed):
            return failed
