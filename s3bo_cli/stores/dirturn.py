"""The DirStore's turn: one thread of a process at a time does its work between waits.

A job's task threads share the interpreter lock, and every system call gives it up:
with other task threads ready, each such call hands the lock to one of them, a
context switch (and a cross-CPU wake-up) for each of the twenty-odd calls of an
object's update. Measured on a 2-CPU machine, that was about fifty context switches
a task and near half the CPU of a DirStore tagging job. The Python work is
serialised by the interpreter lock anyway; the turn makes it go in one piece: a
thread that holds it finishes its reads, checks and writes while the other task
threads wait on the turn, and it passes on only while its holder waits for
something slow (a lock held by another thread or process, an fsync). Nothing is
held longer than before: the waits are where the turn is given up.

Rules that keep it free of deadlocks: the turn is taken outside every lock it may
be waited for under (an object's lock is waited for with the turn given up, see
:meth:`Turn.waiting`), and whoever holds it waits only for locks whose holders
never want the turn back before releasing them.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator


class Turn:
    """A re-entrant turn per process; :meth:`waiting` gives it up around a slow wait."""

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):  # a child starts with the turn free
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the turn (again, if this thread holds it already)."""
        local = self._local
        depth = getattr(local, "depth", 0)
        if not depth:
            self._lock.acquire()
        local.depth = depth + 1
        try:
            yield
        finally:
            local.depth = depth
            if not depth:
                self._lock.release()

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        """Give the turn up while waiting, if this thread holds it; take it back after.

        Within, the thread holds no turn (a nested wait gives up nothing more)."""
        local = self._local
        depth = getattr(local, "depth", 0)
        if depth:
            local.depth = 0
            self._lock.release()
        try:
            yield
        finally:
            if depth:
                self._lock.acquire()
                local.depth = depth

    def fsync(self, fd: int) -> None:
        """``os.fsync``, with the turn given up meanwhile."""
        with self.waiting():
            os.fsync(fd)


#: The turn of this process's DirStores.
TURN = Turn()
