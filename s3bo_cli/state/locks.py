"""Locks that hold whatever happens to the files in the state directory.

Every lock is an ``flock(2)`` on an open descriptor, so the kernel drops it when
the holder's last descriptor closes (exit, crash, kill -9) and no lock is ever
left behind. Two kinds:

* :class:`DirLock` locks a *directory* (the state directory for the worker, a
  job's directory for its lease). No file operation inside the directory can
  release or duplicate it: deleting, replacing or truncating ``worker.lock``,
  ``worker.pid`` or ``job.lock`` leaves it held. Locking needs only read access,
  so a read-only state directory can still be asked whether a worker runs.
* :class:`FileMutex` locks a lock file (a job's ``job.lock``, held for the few
  milliseconds of a read-modify-write). After ``flock`` it checks that the path
  still names the inode it locked; a lock file deleted or replaced meanwhile is
  locked again through its new name, so two writers never both proceed on
  different inodes of one name.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

POLL_SECONDS = 0.005
POLL_MAX_SECONDS = 0.05


class LockTimeout(TimeoutError):
    """The lock stayed held by another process for longer than allowed."""


def _flock(fd: int, operation: int) -> bool:
    """One non-blocking flock attempt: True if taken."""
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _wait(deadline: float | None, delay: float, path: Path) -> float:
    if deadline is not None and time.monotonic() >= deadline:
        raise LockTimeout(f"lock {path} is held by another process")
    time.sleep(delay)
    return min(delay * 2, POLL_MAX_SECONDS)


class _Lock:
    """Shared plumbing: acquire with a timeout, release, context manager."""

    def __init__(self, path: Path, *, timeout: float | None = None) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def _try(self) -> int | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def acquire(self, timeout: float | None = -1.0) -> bool:
        """Take the lock, waiting up to ``timeout`` seconds (None: forever; 0: one try).

        Raises :class:`LockTimeout` when it stays held elsewhere.
        """
        if self._fd is not None:
            return True
        wait_for = self.timeout if timeout == -1.0 else timeout
        deadline = None if wait_for is None else time.monotonic() + wait_for
        delay = POLL_SECONDS
        while True:
            fd = self._try()
            if fd is not None:
                self._fd = fd
                return True
            delay = _wait(deadline, delay, self.path)

    def try_acquire(self) -> bool:
        """One attempt; False when another holder has it."""
        try:
            return self.acquire(timeout=0)
        except LockTimeout:
            return False

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing drops the flock

    def fileno(self) -> int:
        """The locked descriptor (a child process that inherits it shares the lock)."""
        if self._fd is None:
            raise ValueError("lock not held")
        return self._fd

    def __enter__(self) -> _Lock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()


class DirLock(_Lock):
    """An exclusive lock on a directory itself (see the module docstring)."""

    def _try(self) -> int | None:
        fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        if _flock(fd, fcntl.LOCK_EX):
            return fd
        os.close(fd)
        return None


def dir_locked(path: Path) -> bool:
    """True while some process holds a :class:`DirLock` on ``path``.

    A shared, non-blocking probe: it needs no write access, and two probes never
    get in each other's way. False when the directory does not exist.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return False
    try:
        return not _flock(fd, fcntl.LOCK_SH)
    finally:
        os.close(fd)


def holder_pids(path: Path) -> list[int]:
    """The processes that hold an flock on ``path``, from ``/proc/locks`` (Linux).

    Empty when unknown (no ``/proc``). A pid file can be deleted; the kernel's lock
    table cannot, so this is what ``s3bo worker --status`` reports.
    """
    try:
        info = os.stat(path)
        table = Path("/proc/locks").read_text()
    except OSError:
        return []
    wanted = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    pids = []
    for line in table.splitlines():
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" ("->" marks a waiter)
        if (
            len(fields) >= 6
            and fields[1] == "FLOCK"
            and "->" not in fields
            and (fields[3], fields[5]) == ("WRITE", wanted)
        ):
            pids.append(int(fields[4]))
    return sorted(set(pids))


class FileMutex(_Lock):
    """An exclusive lock on a lock file, re-checked by inode (see the module docstring)."""

    def _try(self) -> int | None:
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except FileNotFoundError:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, flags, 0o644)
        if not _flock(fd, fcntl.LOCK_EX):
            os.close(fd)
            return None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(self.path))
        except FileNotFoundError:
            same = False
        if not same:  # deleted or replaced while we waited: lock whatever the name is now
            os.close(fd)
            return self._try()
        return fd
