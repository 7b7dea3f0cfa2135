"""An index of a namespace's jobs by status, kept beside the job files.

``index/<Status>/<CreationTime>~<JobId>~<Priority>`` is an empty marker file per
job: listing the few status folders that matter gives every job's status,
creation time and priority without reading a single job file, so `list-jobs`
and the worker's scheduling stay cheap with tens of thousands of jobs, and a
name sort is a sort by creation time.

The job files stay the source of truth; the index is derived from them:

* A job's marker is created *before* its record is written and the previous
  one removed after, so a crash leaves an extra marker, never a missing one.
  Readers check the records they use against the marker and skip (and, once it
  is old enough to be no write in progress, remove) one that no longer agrees.
* The record remembers its marker (``engine.indexed``), so each write knows
  which one to replace.
* ``index/complete`` is written once the index covers every job. Without it
  (a state directory from before the index, or a rebuild cut short) the index
  is rebuilt from the job files under the namespace lock; a read-only state
  directory without one is read the slow way, from the job files.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from s3bo_cli import clock
from s3bo_cli.model.statuses import JobStatus
from s3bo_cli.state.layout import Namespace

INDEX_DIR = "index"
COMPLETE = "complete"
VERSION = "1\n"
#: A marker that disagrees with its record is removed only once this old, so that
#: a write in progress (marker first, record next) is never undone.
STALE_SECONDS = 60.0
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Entry:
    """One job as its marker tells it."""

    status: JobStatus
    created: str
    job_id: str
    priority: int

    @property
    def order(self) -> tuple[str, str]:
        """The list-jobs order key (newest first when reversed)."""
        return (self.created, self.job_id)

    @classmethod
    def parse(cls, marker: Marker) -> Entry | None:
        """The entry a marker names; None for a name that is not a marker."""
        name, status = marker
        parts = name.split("~")
        if len(parts) != 3:
            return None
        try:
            return cls(status, parts[0], parts[1], int(parts[2]))
        except ValueError:
            return None


#: A marker as listed: its file name and its status folder.
Marker = tuple[str, JobStatus]


def marker_name(job: dict[str, Any]) -> str:
    """``<Status>/<CreationTime>~<JobId>~<Priority>`` for a job descriptor."""
    return f"{job['Status']}/{job['CreationTime']}~{job['JobId']}~{int(job['Priority'])}"


def agrees(entry: Entry, job: dict[str, Any]) -> bool:
    """True when the record says what the marker says."""
    return (
        job.get("Status") == entry.status.value
        and job.get("JobId") == entry.job_id
        and int(job.get("Priority", -1)) == entry.priority
    )


class JobIndex:
    """The status index of one namespace."""

    def __init__(self, ns: Namespace) -> None:
        self.ns = ns
        self.root = ns.root / INDEX_DIR

    # -- writing (the JobStore calls these) -------------------------------------

    def add(self, name: str) -> None:
        """Create the marker, or make an old one new (its age is how long the job has
        had that status, so a reader never takes it for a stale one)."""
        path = self.root / name
        try:
            os.close(os.open(path, _CREATE, 0o644))
        except FileExistsError:
            os.utime(path)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()

    def remove(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.root / name).unlink()

    def before_write(self, record: dict[str, Any], previous: str | None) -> str | None:
        """Add the marker ``record`` needs; returns the marker to remove after the write.

        ``previous`` is the marker of the record on disk (its ``engine.indexed``).
        """
        new = marker_name(record["job"])
        record.setdefault("engine", {})["indexed"] = new
        if previous != new:
            self.add(new)
        self._date(new, record["job"])
        return None if previous == new else previous

    def _date(self, name: str, job: dict[str, Any]) -> None:
        """A Suspended job's marker carries its SuspendedDate as its time, so that
        the worker reads only the jobs whose confirmation may have expired."""
        since = job.get("SuspendedDate")
        if job.get("Status") == JobStatus.SUSPENDED.value and isinstance(since, str):
            stamp = clock.parse(since).timestamp()
            with contextlib.suppress(OSError, ValueError):
                os.utime(self.root / name, (stamp, stamp))

    def mark_complete(self) -> None:
        """Say that every job has its marker (a new namespace, or after a rebuild)."""
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / COMPLETE).write_text(VERSION)

    def after_write(self, old: str | None) -> None:
        if old is not None:
            self.remove(old)

    def forget(self, record: dict[str, Any]) -> None:
        """Remove a deleted job's marker."""
        self.remove(record.get("engine", {}).get("indexed") or marker_name(record["job"]))

    # -- reading ----------------------------------------------------------------

    @property
    def complete(self) -> bool:
        return (self.root / COMPLETE).is_file()

    def markers(self, statuses: Iterable[JobStatus]) -> list[Marker]:
        """Every marker in the given status folders (extra or stale ones included),
        unparsed: sorting the names sorts by creation time, then job id."""
        found: list[Marker] = []
        for status in statuses:
            try:
                names = os.listdir(self.root / status.value)
            except FileNotFoundError:
                continue
            found.extend((name, status) for name in names)
        return found

    def age(self, entry: Entry) -> float:
        """Seconds since the marker was written (how long the job has had this status)."""
        path = self.root / entry.status.value / f"{entry.created}~{entry.job_id}~{entry.priority}"
        try:
            return time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return 0.0

    def drop_if_stale(self, entry: Entry) -> None:
        """Remove a marker that disagrees with its record, once no write can be under way."""
        if self.age(entry) >= STALE_SECONDS:
            self.remove(f"{entry.status.value}/{entry.created}~{entry.job_id}~{entry.priority}")

    # -- rebuilding -------------------------------------------------------------

    def rebuild(self, records: Iterable[dict[str, Any]]) -> None:
        """Mark every job of ``records`` (the caller holds the namespace lock)."""
        for record in records:
            name = marker_name(record["job"])
            self.add(name)
            self._date(name, record["job"])
        self.mark_complete()
