"""Task execution spread over processes, so that every core works.

Design: the runner's process (the parent) stays the only writer of the job. It
holds the job's lease, reads the task list, decides what runs, and alone appends
to the task log, saves progress and moves the status. Each child process runs
tasks and nothing else: it receives batches of tasks over a pipe, runs them on
its own :class:`TaskPool` (its share of the in-flight slots, its own connection
pool), and sends each result back over its other pipe. So:

* Exactly once: a result is recorded only when the parent appends it, and the
  parent appends a task's result once (it forgets the task as it does). A task
  is handed to one child at a time; a child that dies (kill -9, out of memory)
  is noticed when its pipe ends, after every result it sent has been read and
  recorded; only the tasks it held without a result go to another child, and a
  new child takes its place. A task that had run in the dead child without its
  result arriving runs again, just as a task in flight does when a
  single-process worker is killed.
* Kill -9 of the parent: the children see their pipe end and exit at once; the
  task log holds whatever the parent appended, and the next worker resumes from
  it. Children inherit the job's lease descriptor, so no new runner can start
  the job while one of them still runs.
* Memory stays flat: the parent keeps at most each child's window of tasks
  outstanding (twice its slots), whatever the manifest's length.
* Progress and the completion report stay exact: they count the task log,
  which only the parent writes.

Messages are pickled over :mod:`multiprocessing.connection` pipes, parent to
child: ``("job", spec)``, ``("tasks", [(index, entry), ...])``, ``("stop",)``,
``("exit",)``; child to parent: ``("results", [TaskResult, ...])``, ``("idle",)``
(after a stop, once nothing runs), ``("error", text)`` (the job could not be set up).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from s3bo_cli import logs
from s3bo_cli.engine.tasklog import TaskResult
from s3bo_cli.model.manifest import ManifestEntry

if TYPE_CHECKING:
    import subprocess

    from s3bo_cli.engine.greenpool import GreenTaskPool
    from s3bo_cli.engine.inflight import SlotPool
    from s3bo_cli.engine.taskpool import RunOne, TaskPool

#: Seconds a child holds results before sending them, at most: it sends sooner once
#: it holds a slot's worth (so that the parent refills it before its queue runs dry)
#: or has nothing left to run.
SEND_INTERVAL = 0.01
#: Tasks sent to a child in one message.
TASK_BATCH = 64
#: A child that died is replaced, up to this many times per process of the pool.
RESPAWNS_PER_PROCESS = 3


class TaskProcessError(RuntimeError):
    """Task processes could not run the job (they failed to start, or kept dying)."""


@dataclass
class _Child:
    """One task process, as the parent sees it."""

    proc: subprocess.Popen[bytes]
    to_child: Connection
    from_child: Connection
    window: int
    outstanding: dict[int, ManifestEntry] = field(default_factory=dict)
    stopping: bool = False

    def send(self, message: tuple[Any, ...]) -> bool:
        try:
            self.to_child.send(message)
        except OSError:  # it died; its pipe's end says so when read
            return False
        return True


class ProcessTaskPool:
    """Runs tasks in child processes; the same interface as :class:`TaskPool`."""

    def __init__(
        self,
        job: dict[str, Any],
        processes: int,
        *,
        child_window: int,
        inherit_fds: Sequence[int] = (),
    ) -> None:
        self.job = job  # picklable: operation, store spec, context fields, per-child limits
        self.processes = processes
        self.child_window = child_window
        self.window = processes * child_window
        self.inherit_fds = tuple(inherit_fds)
        self._queue: deque[tuple[int, ManifestEntry]] = deque()
        self._children: list[_Child] = []
        self._respawns = RESPAWNS_PER_PROCESS * processes
        self._stopping = False
        for _ in range(processes):
            self._children.append(self._spawn())

    # -- children ---------------------------------------------------------------

    def _spawn(self) -> _Child:
        import subprocess  # the parent's only: a child starts faster without it

        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        try:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "s3bo_cli.engine.taskprocs",
                    str(child_read),
                    str(child_write),
                ],
                stdin=subprocess.DEVNULL,
                pass_fds=(child_read, child_write, *self.inherit_fds),
                close_fds=True,
            )
        finally:
            os.close(child_read)
            os.close(child_write)
        child = _Child(
            proc,
            Connection(parent_write, readable=False),
            Connection(parent_read, writable=False),
            self.child_window,
        )
        child.send(("job", self.job))
        return child

    def _died(self, child: _Child) -> None:
        """Give a dead child's unfinished tasks to the others; start one in its place."""
        self._children.remove(child)
        for conn in (child.to_child, child.from_child):
            conn.close()
        child.proc.wait()
        lost = list(child.outstanding.items())
        logs.get().warning(
            "task process %d ended (exit %s) with %d tasks unfinished; they run again",
            child.proc.pid,
            child.proc.returncode,
            len(lost),
        )
        if self._stopping:
            return  # they stay to do
        self._queue.extendleft(reversed(lost))
        if self._respawns <= 0:
            raise TaskProcessError("task processes keep ending unexpectedly; see the worker log")
        self._respawns -= 1
        self._children.append(self._spawn())

    # -- the TaskPool interface -------------------------------------------------

    @property
    def pending(self) -> int:
        return len(self._queue) + sum(len(c.outstanding) for c in self._children)

    def submit(self, index: int, entry: ManifestEntry) -> None:
        self._queue.append((index, entry))
        if len(self._queue) >= TASK_BATCH:
            self._dispatch()

    def _dispatch(self) -> None:
        """Hand queued tasks to the children with room, a batch at a time."""
        for child in sorted(self._children, key=lambda c: len(c.outstanding)):
            room = child.window - len(child.outstanding)
            if not self._queue or child.stopping or room <= 0:
                continue
            batch = [self._queue.popleft() for _ in range(min(room, len(self._queue)))]
            child.outstanding.update(batch)
            child.send(("tasks", batch))

    def collect(self, timeout: float) -> list[TaskResult]:
        """Results the children sent; waits up to ``timeout`` for some."""
        self._dispatch()
        results: list[TaskResult] = []
        if not self.pending:
            return results
        deadline = time.monotonic() + timeout
        while not results:
            ready = wait(
                [c.from_child for c in self._children], max(0.0, deadline - time.monotonic())
            )
            for child in [c for c in self._children if c.from_child in ready]:
                results += self._read(child)
            self._dispatch()
            if time.monotonic() >= deadline or not self.pending:
                break
        return results

    def _read(self, child: _Child) -> list[TaskResult]:
        """Every message the child has sent so far; handles its death."""
        results: list[TaskResult] = []
        try:
            while child.from_child.poll():
                kind, *body = child.from_child.recv()
                if kind == "results":
                    for result in body[0]:
                        if child.outstanding.pop(result.index, None) is not None:
                            results.append(result)
                elif kind == "idle":
                    child.outstanding.clear()  # stopped: what it had not started stays to do
                elif kind == "error":
                    raise TaskProcessError(f"a task process could not run the job: {body[0]}")
        except (EOFError, OSError):
            self._died(child)
        return results

    def stop(self) -> None:
        """Leave queued tasks unstarted, in the parent and in every child."""
        self._stopping = True
        self._queue.clear()
        for child in self._children:
            if not child.stopping:
                child.stopping = True
                child.send(("stop",))

    def close(self) -> None:
        """Stop, let the children end (killing any that will not), and wait for them."""
        import subprocess

        self.stop()
        for child in self._children:
            child.send(("exit",))
        deadline = time.monotonic() + 10
        for child in self._children:
            try:
                child.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
            child.to_child.close()
            child.from_child.close()
        self._children.clear()

    def __enter__(self) -> ProcessTaskPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the child ----------------------------------------------------------------------


def _child(read_fd: int, write_fd: int) -> None:
    """Run the tasks the parent sends until it says exit or goes away."""
    from functools import partial

    from s3bo_cli import ops
    from s3bo_cli.engine.greenpool import on_event_loop
    from s3bo_cli.engine.settings import EngineSettings
    from s3bo_cli.engine.taskpool import run_task
    from s3bo_cli.engine.taskstore import store_opener
    from s3bo_cli.safety.hook import hook_from_spec

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and ends us
    inbox, outbox = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    try:
        _, job = inbox.recv()
        store = store_opener({})(job["store"])
        operation = ops.get(job["operation"])
        if operation is None:
            raise ValueError(f"no operation {job['operation']}")
        context = ops.TaskContext(store=store, **job["context"])
        slots = EngineSettings(**job["limits"]).slots(remote=store.remote)
    except EOFError:
        os._exit(0)
    except Exception as exc:  # tell the parent, which fails the step
        outbox.send(("error", f"{type(exc).__name__}: {exc}"))
        os._exit(1)
    hook = hook_from_spec(job.get("hook"), operation)  # before-images, reverts, merges
    run_one = partial(run_task, operation, context, hook=hook)
    # Every task on one thread's event loop where it can; otherwise a thread per slot.
    if on_event_loop(store, job["operation"]):
        _serve_on_loop(inbox, outbox, run_one, slots)
    else:
        _serve_on_threads(inbox, outbox, run_one, slots)
    outbox.close()
    os._exit(0)  # the pool's tasks are done; skip interpreter teardown


class _Orders:
    """What the parent has said so far; applies its messages to the pool."""

    def __init__(self, pool: TaskPool | GreenTaskPool) -> None:
        self.pool = pool
        self.stop = False
        self.exit = False

    def take(self, message: tuple[Any, ...]) -> None:
        if message[0] == "tasks":
            for index, entry in message[1]:
                self.pool.submit(index, entry)
        elif message[0] == "stop":
            self.pool.stop()
            self.stop = True
        elif message[0] == "exit":
            self.pool.stop()
            self.exit = True


def _serve_on_threads(
    inbox: Connection, outbox: Connection, run_one: RunOne, slots: SlotPool
) -> None:
    """Tasks on threads; a thread of its own reads the parent's messages."""
    from s3bo_cli.engine.taskpool import TaskPool

    pool = TaskPool(run_one, slots, wake_for=slots.ceiling)  # as many as _send_results sends
    orders = _Orders(pool)
    lock = threading.Lock()
    arrived = threading.Event()  # a message came: an idle sender looks again at once

    def listen() -> None:
        while not orders.exit:
            try:
                message = inbox.recv()
            except (EOFError, OSError):
                os._exit(0)  # the parent is gone: nobody would record our results
            with lock:
                orders.take(message)
            arrived.set()

    def wait() -> None:  # until a message comes, not a fixed nap: tasks may be in it
        arrived.wait(SEND_INTERVAL)
        arrived.clear()

    threading.Thread(target=listen, name="s3bo-task-inbox", daemon=True).start()
    _send_results(outbox, pool, orders, lock, wait)


def _serve_on_loop(inbox: Connection, outbox: Connection, run_one: RunOne, slots: SlotPool) -> None:
    """Tasks as greenlets on this thread's event loop, which also reads the parent's messages."""
    import contextlib

    from s3bo_cli.engine.greenpool import GreenTaskPool
    from s3bo_cli.greenio import Loop

    loop = Loop()
    pool = GreenTaskPool(run_one, slots, loop)
    orders = _Orders(pool)

    def read_inbox() -> None:
        try:
            while not orders.exit and inbox.poll():
                orders.take(inbox.recv())
        except (EOFError, OSError):
            os._exit(0)  # the parent is gone: nobody would record our results
        loop.interrupt()

    loop.add_reader(inbox.fileno(), read_inbox)

    def wait() -> None:  # a message from the parent cuts it short
        loop.run(SEND_INTERVAL)

    _send_results(outbox, pool, orders, contextlib.nullcontext(), wait)


def _send_results(
    outbox: Connection,
    pool: TaskPool | GreenTaskPool,
    orders: _Orders,
    lock: AbstractContextManager[Any],
    wait: Callable[[], None],
) -> None:
    """Collect results and send them in batches, until told to exit and nothing runs.

    A batch goes once it holds a slot's worth of results (the pool's ceiling: the
    parent keeps about twice that outstanding, so it refills this child while half
    is still queued), once it is SEND_INTERVAL old, or once nothing runs. ``wait`` waits for
    the parent's next message (or SEND_INTERVAL) while nothing runs."""
    refill = pool.slots.ceiling
    batch: list[TaskResult] = []
    last_send = time.monotonic()
    while True:
        batch += pool.collect(SEND_INTERVAL)
        now = time.monotonic()
        with lock:
            stopping, leaving, idle = orders.stop, orders.exit, pool.pending == 0
        if batch and (len(batch) >= refill or now - last_send >= SEND_INTERVAL or idle):
            outbox.send(("results", batch))
            batch, last_send = [], now
        if idle and stopping:
            outbox.send(("idle",))
            with lock:
                orders.stop = False
        if idle and leaving:
            return
        if idle and not batch:
            wait()  # nothing to run: wait for tasks without spinning


if __name__ == "__main__":
    _child(int(sys.argv[1]), int(sys.argv[2]))
