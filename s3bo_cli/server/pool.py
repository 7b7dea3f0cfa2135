"""Reusable daemon threads for connections: one per open connection, none started per request.

Starting a thread costs the accept loop a hand-off to the new thread and back,
which under a burst of new connections is most of a request's cost. Idle
threads wait for the next connection and end after ``idle_seconds``; a new
thread starts only when none is idle, so slow or idle clients never starve the
others (there is no fixed limit, as with a thread per connection).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

Job = Callable[[], None]


class ThreadPool:
    """Run each submitted job on an idle thread, or on a new one when all are busy."""

    def __init__(self, *, idle_seconds: float = 60.0, name: str = "s3bo-conn") -> None:
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()
        self._idle_seconds = idle_seconds
        self._name = name
        self._threads = 0

    def submit(self, job: Job) -> None:
        with self._lock:
            if self._idle > 0:
                self._idle -= 1  # that thread is taken, whichever one gets the job
            else:
                self._threads += 1
                threading.Thread(target=self._run, name=self._name, daemon=True).start()
        self._jobs.put(job)

    @property
    def threads(self) -> int:
        """Threads alive or starting (for tests and diagnostics)."""
        return self._threads

    @property
    def idle(self) -> int:
        """Threads waiting for a job."""
        return self._idle

    def close(self) -> None:
        """Let every idle thread end now; busy ones end after their job."""
        with self._lock:
            idle, self._idle = self._idle, 0
        for _ in range(idle):
            self._jobs.put(None)

    def _run(self) -> None:
        try:
            while True:
                try:
                    job = self._jobs.get(timeout=self._idle_seconds)
                except queue.Empty:
                    with self._lock:
                        if self._idle == 0:  # a job was promised to this thread: take it
                            continue
                        self._idle -= 1
                        return
                if job is None:
                    return
                job()
                with self._lock:
                    self._idle += 1
        finally:
            with self._lock:
                self._threads -= 1
