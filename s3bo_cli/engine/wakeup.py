"""A doorbell for the worker: commands ring it when they give it new work.

Creating a job, confirming it, resuming it or changing its priority appends one
byte to ``<state-dir>/worker/wake``; the running worker looks at the file's size
and time a few times a second (one ``stat``, nothing read) and schedules at once
when either changed, instead of at its next scan. So a job created while others
run gets its share of the task slots within a fraction of a second, and a worker
with nothing new to do reads no job.

A lost ring costs nothing but promptness: the worker's periodic scan still finds
the job. The file is emptied when a worker starts, so it stays small.
"""

from __future__ import annotations

import os
from pathlib import Path

WAKE_FILE = "wake"
_APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


def wake_path(state_dir: Path) -> Path:
    return state_dir / "worker" / WAKE_FILE


def ring(state_dir: Path) -> None:
    """Tell the worker of ``state_dir`` (if one ever ran there) to look at its jobs now."""
    try:
        fd = os.open(wake_path(state_dir), _APPEND, 0o644)
    except OSError:  # no worker has run here yet, or the state directory is read-only
        return
    try:
        os.write(fd, b".")
    except OSError:
        pass
    finally:
        os.close(fd)


class Doorbell:
    """The worker's side: :meth:`rung` says whether a command rang since the last look."""

    def __init__(self, state_dir: Path) -> None:
        self.path = wake_path(state_dir)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
        except OSError:  # read-only: commands cannot ring either; the scans remain
            pass
        self._seen = self._look()

    def _look(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return (stat.st_size, stat.st_mtime_ns)

    def rung(self) -> bool:
        now = self._look()
        if now == self._seen:
            return False
        self._seen = now
        return True
