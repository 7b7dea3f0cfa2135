"""Runs a job's tasks as greenlets on one thread's event loop, as many as a slot pool allows.

The same contract as :class:`~s3bo_cli.engine.taskpool.TaskPool` (``submit``,
``collect``, ``stop``, ``pending``; a throttled task backs off, goes before tasks
not yet started, and repeats only its throttled request; each task yields exactly
one result, or none if it had not started when the pool stopped), for a store
whose requests wait through :mod:`s3bo_cli.greenio`: hundreds of tasks in flight
cost one thread, and none waits for another to give up the interpreter lock.

Everything runs on the loop's thread: ``collect`` turns the loop, so no locks.
A task's greenlet goes on to the next task rather than ending: a new greenlet
costs a fresh frame stack (an ``mmap`` and its page faults, on CPython 3.11).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from s3bo_cli import ops
from s3bo_cli.engine.inflight import SlotPool
from s3bo_cli.engine.tasklog import TaskResult
from s3bo_cli.engine.taskpool import Attempts, RunOne, is_throttled
from s3bo_cli.greenio import Loop
from s3bo_cli.model.manifest import ManifestEntry


def on_event_loop(store: Any, operation: str) -> bool:
    """Whether a job's tasks run on an event loop: the store's requests wait
    cooperatively, and the operation makes only those requests (a copy's or a Lambda
    call's through boto3 would stop every task while it waits)."""
    return bool(getattr(store, "cooperative", False)) and operation in ops.METADATA_ONLY


class GreenTaskPool:
    """Tasks as greenlets on ``loop`` under a :class:`SlotPool`."""

    def __init__(self, run_one: RunOne, slots: SlotPool, loop: Loop) -> None:
        self.run_one = run_one
        self.slots = slots
        self.loop = loop
        #: Tasks worth queueing: enough to fill every slot the pool may open.
        self.window = 2 * slots.ceiling + 8
        self._queue: deque[tuple[int, ManifestEntry]] = deque()
        self._retrying: deque[Any] = deque()  # throttled tasks waiting for a slot: they go first
        self._woken = 0  # of those, woken for a freed slot and not yet run
        self._results: list[TaskResult] = []
        self._pending = 0  # queued or running, not yet collected
        self._stopping = False
        self._idle: list[Any] = []  # greenlets parked between tasks

    @property
    def pending(self) -> int:
        """Tasks submitted whose results have not been collected (nor dropped)."""
        return self._pending

    def submit(self, index: int, entry: ManifestEntry) -> None:
        self._queue.append((index, entry))
        self._pending += 1
        self._start()

    def collect(self, timeout: float) -> list[TaskResult]:
        """Turn the loop until results are ready (or ``timeout`` passes); return them."""
        if not self._results and self._pending:
            self.loop.run(timeout)
        results, self._results = self._results, []
        self._pending -= len(results)
        return results

    def stop(self) -> None:
        """Leave queued tasks (and throttled ones waiting to retry) unstarted."""
        self._stopping = True
        self._pending -= len(self._queue)
        self._queue.clear()
        while self._retrying:
            self._wake_retry()  # each finds the pool stopping
        self.loop.interrupt()

    def close(self) -> None:
        """Stop, end the idle greenlets, and close the loop (its epoll descriptor): a
        worker runs many jobs."""
        self.stop()
        while self._idle:
            self._idle.pop().throw()  # GreenletExit, where it waits for a next task
        self.loop.close()

    def __enter__(self) -> GreenTaskPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- on the loop's tasks ------------------------------------------------------

    def _start(self) -> None:
        """Start queued tasks while there are slots (none while a throttled task waits)."""
        while self._queue and not self._retrying and not self._woken and self.slots.try_acquire():
            task = self._queue.popleft()
            if self._idle:
                self.loop.resume(self._idle.pop(), task)
            else:
                self.loop.spawn(self._work, task)

    def _work(self, task: tuple[int, ManifestEntry]) -> None:
        """One greenlet's tasks, one after another, each handed to it by :meth:`_start`
        (:meth:`close` ends it where it waits for the next)."""
        while True:
            self._run(*task)
            self._idle.append(self.loop.current())
            task = self.loop.park()

    def _run(self, index: int, entry: ManifestEntry) -> None:
        attempt = Attempts(self)
        result = self.run_one(index, entry, retry=attempt.again)
        if attempt.dropped:
            return
        throttled = is_throttled(result)
        self._release(attempt.latency(throttled), throttled)
        self._results.append(result)
        self.loop.interrupt()  # the collector has something

    def _release(self, latency: float | None, throttled: bool) -> None:
        self.slots.release(latency, throttled=throttled)
        if self._retrying:
            self._wake_retry()
        else:
            self._start()

    def _wake_retry(self) -> None:
        self._woken += 1
        self.loop.resume(self._retrying.popleft())

    def _reacquire(self) -> bool:
        """A slot for a throttled task's next attempt; False if the pool stopped meanwhile."""
        while not self._stopping:
            if self.slots.try_acquire():
                self._start()  # were others waiting behind this one, new tasks may go
                return True
            self._retrying.append(self.loop.current())
            self.loop.park()
            self._woken -= 1
        self._pending -= 1  # dropped: it stays to do
        self.loop.interrupt()
        return False
