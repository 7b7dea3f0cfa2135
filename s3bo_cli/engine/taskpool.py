"""Runs a job's tasks on threads, as many at once as a slot pool allows.

A task the endpoint throttled (503 SlowDown, 429, a broken connection) gives its
slot back, waits a jittered, growing back-off and runs again: it is reported
failed only when its attempts run out. Each task yields exactly one result,
collected by whoever feeds the pool; a task that had not started when the pool
was stopped yields none, and stays to do.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable

from s3bo_cli import logs, ops
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

RunOne = Callable[[int, ManifestEntry], TaskResult]


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

    def __init__(self, run_one: RunOne, slots: SlotPool) -> None:
        self.run_one = run_one
        self.slots = slots
        #: Tasks worth queueing: enough to fill every slot the pool may open.
        self.window = 2 * slots.ceiling + 8
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # a task queued or a slot freed
        self._retry = threading.Condition(self._lock)  # a slot freed, for a throttled task
        self._done = threading.Condition(self._lock)  # a result ready
        self._queue: deque[tuple[int, ManifestEntry]] = deque()
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
                if self._queue and self.slots.try_acquire():
                    return self._queue.popleft()
                self._work.wait()

    def _reacquire(self) -> bool:
        """A slot for a throttled task's next attempt; False if the pool stopped meanwhile."""
        with self._lock:
            while not self._stopping:
                if self.slots.try_acquire():
                    return True
                self._retry.wait()
            self._pending -= 1  # dropped: it stays to do
            self._done.notify_all()
            return False

    def _release(self, latency: float, throttled: bool) -> None:
        self.slots.release(latency, throttled=throttled)
        with self._lock:
            self._retry.notify()
            self._work.notify()

    def _work_loop(self) -> None:
        while (task := self._take()) is not None:
            index, entry = task
            attempt = 0
            while True:
                start = time.monotonic()
                result = self.run_one(index, entry)
                throttled = is_throttled(result)
                self._release(time.monotonic() - start, throttled)
                attempt += 1
                if throttled and attempt < MAX_ATTEMPTS:
                    time.sleep(backoff(attempt - 1))
                    if self._reacquire():
                        continue
                    break
                with self._lock:
                    self._results.append(result)
                    self._done.notify()
                break


def run_task(
    operation: ops.Operation,
    context: ops.TaskContext,
    index: int,
    entry: ManifestEntry,
    *,
    hook: TaskHook | None = None,
) -> TaskResult:
    """Run one task; every failure becomes a failed result, never an exception."""

    def result(status: str, http: int, code: str = "", message: str = "") -> TaskResult:
        return TaskResult(
            index, entry.bucket, entry.key, entry.version_id, status, http, code, message
        )

    if entry.version_id == "":
        return result(FAILED, 400, "InvalidRequest", "Task failed due to missing VersionId")
    try:
        if hook is not None:  # records the before-image, then picks the task's function
            operation = hook(context, index, entry)
        outcome = operation(context, entry)
    except S3Error as exc:
        if (fault := faults.storage_fault(exc)) is not None:  # a store error over a full disk
            return result(faults.FAULTED, 500, "", fault)
        return result(FAILED, exc.http_status, exc.code, exc.message)
    except Exception as exc:  # a bug or an unexpected store failure: report, keep going
        if (fault := faults.storage_fault(exc)) is not None:  # the engine's disk, not the object
            return result(faults.FAULTED, 500, "", fault)
        logs.get().debug("task %s/%s failed unexpectedly", entry.bucket, entry.key, exc_info=True)
        return result(FAILED, 500, "InternalError", f"{type(exc).__name__}: {exc}")
    return result(SUCCEEDED, outcome.http_status, "", outcome.message)
