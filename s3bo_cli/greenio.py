"""Waiting on sockets without a thread each: a greenlet event loop, and the wait that uses it.

A task on an S3 endpoint spends nearly all its time waiting for answers. On
threads, hundreds of tasks in flight take turns at the interpreter lock: each
answer wakes a thread that must first win the lock, so a task waits on other
threads as much as on the network. Here each task is a greenlet on one thread;
when it would block on a socket it switches to the loop (the *hub*), which
polls every waiting socket at once (epoll) and switches back to whichever task
can go on. Switching costs a few microseconds and nothing waits for a lock.

Synchronous code stays synchronous: only the code that waits calls
:func:`wait_io` (the engine's HTTP client does), which switches to the hub when
called on a loop's task and otherwise blocks the calling thread as a socket
with a timeout would. Code that never calls it (file writes, a journal append)
runs to completion without switching, so the loop needs no locks of its own.
"""

from __future__ import annotations

import heapq
import itertools
import select
import selectors
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

_local = threading.local()


def running() -> Loop | None:
    """The loop whose task is running now on this thread, if any (not its hub)."""
    loop: Loop | None = getattr(_local, "loop", None)
    if loop is not None and loop.hub is not loop.current():
        return loop
    return None


def wait_io(fileno: int, *, write: bool = False, timeout: float | None = None) -> None:
    """Wait until ``fileno`` is readable (or writable): on a loop's task, by switching to
    its hub; elsewhere by blocking this thread. ``TimeoutError`` after ``timeout`` s."""
    loop = running()
    if loop is not None:
        loop.wait_io(fileno, write=write, timeout=timeout)
        return
    poller = select.poll()
    poller.register(fileno, select.POLLOUT if write else select.POLLIN)
    if not poller.poll(None if timeout is None else max(0, int(timeout * 1000))):
        raise TimeoutError("timed out")


def sleep(seconds: float) -> None:
    """Sleep: on a loop's task, letting the others run; elsewhere, as ``time.sleep``."""
    loop = running()
    if loop is not None:
        loop.sleep(seconds)
    else:
        time.sleep(seconds)


class Loop:
    """One thread's hub: runs task greenlets, wakes them on I/O and timers.

    ``spawn`` starts a task (it runs at the hub's next turn); ``run(timeout)``
    turns the hub until ``timeout`` has passed or :meth:`interrupt` is called (a
    task that finishes, or a reader that took a message, calls it so the caller
    can collect). Everything happens on the thread that created the loop.
    """

    def __init__(self) -> None:
        from greenlet import getcurrent, greenlet

        self._greenlet = greenlet
        self.current = getcurrent
        self.hub = getcurrent()
        self._selector = selectors.DefaultSelector()
        #: (task, arguments to switch in, or an exception to throw in)
        self._ready: deque[tuple[Any, tuple[Any, ...], BaseException | None]] = deque()
        self._timers: list[tuple[float, int, _Waiter]] = []  # sleeps
        self._seq = itertools.count()
        self._waiting: set[_Waiter] = set()  # tasks waiting on I/O, with a deadline
        self._next_sweep = 0.0
        self._readers: dict[int, Callable[[], None]] = {}  # hub callbacks on readable fds
        self._interrupted = False

    # -- on the hub ------------------------------------------------------------

    def spawn(self, function: Callable[..., Any], *args: Any) -> Any:
        """A new task running ``function(*args)``; it starts at the hub's next turn."""
        task = self._greenlet(function, parent=self.hub)
        self._ready.append((task, args, None))
        return task

    def add_reader(self, fileno: int, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the hub whenever ``fileno`` is readable (an inbox)."""
        self._readers[fileno] = callback
        self._selector.register(fileno, selectors.EVENT_READ, None)

    def interrupt(self) -> None:
        """Make the ``run`` under way return after this turn (from a task or a reader;
        outside ``run`` it does nothing: the next ``run`` waits as asked)."""
        self._interrupted = True

    def run(self, timeout: float) -> None:
        """Turn the hub: run what is ready, then wait for I/O or a timer, until
        ``timeout`` seconds pass, or after the turn in which ``interrupt`` is called.
        Each run looks at I/O at least once (``run(0)`` polls without waiting)."""
        assert self.current() is self.hub, "run the loop from its hub"
        _local.loop = self
        deadline = time.monotonic() + timeout
        self._interrupted = False  # said outside a run (a pool stopped by its feeder)
        polled = False
        try:
            while True:
                self._run_ready()
                if self._interrupted:
                    break
                now = time.monotonic()
                if now >= deadline and polled:
                    break
                polled = True
                wait = max(0.0, deadline - now)
                if self._timers:
                    wait = min(wait, max(0.0, self._timers[0][0] - now))
                if self._waiting:  # I/O deadlines are looked at once a second
                    wait = min(wait, max(0.0, self._next_sweep - now))
                for key, _ in self._selector.select(wait):
                    if key.data is None:
                        self._readers[key.fd]()
                    else:
                        self._wake(key.data)
                self._fire_timers()
        finally:
            self._interrupted = False
            _local.loop = None

    def _run_ready(self) -> None:
        while self._ready:
            task, args, error = self._ready.popleft()
            if task.dead:
                continue
            if error is not None:
                task.throw(error)
            else:
                task.switch(*args)

    def _wake(self, waiter: _Waiter, error: BaseException | None = None) -> None:
        if waiter.fileno is not None:
            self._selector.unregister(waiter.fileno)
            self._waiting.discard(waiter)
        self._ready.append((waiter.task, (), error))

    def _fire_timers(self) -> None:
        """Wake the sleepers whose time has come; time out I/O waits past their deadline
        (looked for once a second: a timeout is a minute, exact to a second is enough)."""
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            self._wake(heapq.heappop(self._timers)[2])
        if now >= self._next_sweep:
            self._next_sweep = now + 1.0
            for waiter in [w for w in self._waiting if w.deadline <= now]:
                self._wake(waiter, TimeoutError("timed out"))

    # -- on a task -------------------------------------------------------------

    def wait_io(self, fileno: int, *, write: bool = False, timeout: float | None = None) -> None:
        """Switch to the hub until ``fileno`` is ready; ``TimeoutError`` after ``timeout``."""
        waiter = _Waiter(self.current(), fileno)
        events = selectors.EVENT_WRITE if write else selectors.EVENT_READ
        self._selector.register(fileno, events, waiter)
        if timeout is not None:
            waiter.deadline = time.monotonic() + timeout
            self._waiting.add(waiter)
        self.hub.switch()

    def sleep(self, seconds: float) -> None:
        """Switch to the hub for ``seconds``."""
        waiter = _Waiter(self.current(), None)
        heapq.heappush(self._timers, (time.monotonic() + seconds, next(self._seq), waiter))
        self.hub.switch()

    def park(self) -> Any:
        """Switch to the hub until another task or the hub calls :meth:`resume` for this
        one; what ``resume`` was given."""
        return self.hub.switch()

    def resume(self, task: Any, *value: Any) -> None:
        """Make a parked task go on at the hub's next turn; its ``park`` returns the one
        ``value`` given (an empty tuple without one). Call it once per park."""
        self._ready.append((task, value, None))

    def close(self) -> None:
        self._selector.close()


class _Waiter:
    """A task waiting for a socket (until a deadline) or for a sleep to end."""

    __slots__ = ("deadline", "fileno", "task")

    def __init__(self, task: Any, fileno: int | None) -> None:
        self.task = task
        self.fileno = fileno
        self.deadline = float("inf")
