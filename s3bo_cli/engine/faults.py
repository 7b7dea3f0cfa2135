"""Faults of the engine's own storage: a full disk, an I/O error, a read-only mount.

When the state directory or a local object store cannot be written, no task
and no job is at fault: the job keeps its status, the tasks that hit the fault
are not recorded (they run again later), and the worker backs off that job
(bounded, doubling) instead of looping. The user sees it in ``describe-job``
as a ``FailureReasons`` entry with code :data:`FAULT_CODE`, removed once the job
moves on again.
"""

from __future__ import annotations

import errno
import time
from typing import Any

#: errno values that mean "the engine's storage failed", not "this object failed".
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS})
FAULT_CODE = "EngineStorageFault"
BACKOFF_FIRST = 1.0  # seconds before the first retry of a job after a fault
BACKOFF_MAX = 60.0  # the longest wait between retries


#: The status of a task result that hit a storage fault: never recorded, run again.
FAULTED = "engine-fault"


class StorageFault(Exception):
    """A task or a step could not go on because the engine's storage failed."""


def storage_fault(exc: BaseException | None) -> str | None:
    """What storage fault is behind ``exc`` (itself, its cause or context), if any."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, StorageFault):
            return str(exc)
        if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
            where = f": {exc.filename}" if exc.filename else ""
            return f"{exc.strerror or exc}{where}"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def reason(fault: str) -> dict[str, str]:
    """The FailureReasons entry describe-job shows while the fault lasts."""
    text = (
        f"The local engine could not write its storage ({fault}); "
        "the job resumes by itself once it can."
    )
    return {"FailureCode": FAULT_CODE, "FailureReason": text[:256]}


def clear(job: dict[str, Any]) -> None:
    """Drop the fault's FailureReasons entry: the job moves on again."""
    reasons = job.get("FailureReasons")
    if reasons:
        job["FailureReasons"] = [r for r in reasons if r.get("FailureCode") != FAULT_CODE]


def note(job: dict[str, Any], fault: str) -> None:
    """Show the fault on the job (one entry, the latest)."""
    clear(job)
    job.setdefault("FailureReasons", []).append(reason(fault))


class Backoff:
    """Per-job retry times after storage faults: 1 s, 2 s, 4 s ... at most 60 s."""

    def __init__(self) -> None:
        self._until: dict[Any, tuple[float, float]] = {}

    def waiting(self, key: Any) -> bool:
        entry = self._until.get(key)
        return entry is not None and time.monotonic() < entry[0]

    def failed(self, key: Any) -> float:
        """Record a fault; returns the seconds until the next try. First fault: the first delay."""
        previous = self._until.get(key)
        delay = BACKOFF_FIRST if previous is None else min(previous[1] * 2, BACKOFF_MAX)
        self._until[key] = (time.monotonic() + delay, delay)
        return delay

    def first(self, key: Any) -> bool:
        return key not in self._until

    def succeeded(self, key: Any) -> bool:
        """Forget a job's faults; True if it had any."""
        return self._until.pop(key, None) is not None
