"""Jobs on disk: one JSON record per job, changed only under the job's lock."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from s3bo_cli import clock
from s3bo_cli.engine import events, wakeup
from s3bo_cli.engine.jobindex import JobIndex, Marker, marker_name
from s3bo_cli.errors import (
    IdempotencyException,
    NotFoundException,
    S3boError,
    StateError,
    StatePermissionError,
)
from s3bo_cli.model.statuses import JobStatus
from s3bo_cli.state.files import SCHEMA_VERSION, read_json, write_json
from s3bo_cli.state.layout import Namespace
from s3bo_cli.state.locks import FileMutex

LOCK_TIMEOUT = 60.0  # seconds; a lock held that long means a stuck process


def _lock(path: Path) -> FileMutex:
    """A record lock that a deleted or replaced lock file cannot split in two."""
    return FileMutex(path, timeout=LOCK_TIMEOUT)


def job_tag(record: dict[str, Any], key: str) -> str | None:
    """The value of one of the job's tags (None when it has no such tag)."""
    for item in record.get("tags") or ():
        if item.get("Key") == key:
            return str(item.get("Value", ""))
    return None


def not_found(job_id: str) -> NotFoundException:
    return NotFoundException(f"The specified job does not exist: {job_id}")


class JobStore:
    """The jobs of one account and region.

    A record is ``{"kind": "job", "schema_version": 1, "job": <JobDescriptor>,
    "tags": [...], "engine": {...}}``; ``engine`` holds what the worker needs
    and DescribeJob does not show.
    """

    def __init__(self, namespace: Namespace) -> None:
        self.ns = namespace

    # -- creation ---------------------------------------------------------------

    def create(
        self,
        *,
        job: dict[str, Any],
        tags: list[dict[str, str]],
        token: str,
        request_hash: str,
        engine: dict[str, Any] | None = None,
    ) -> tuple[str, dict[str, Any] | None]:
        """Store a new job unless ``token`` already made one; returns its JobId and the
        record stored (None when the token had made it already). The record is the one
        to announce: by the time the caller reads the file, the worker (woken here) may
        have moved the job on."""
        token_file = self.ns.token_file(token)
        with _lock(self.ns.lock_file):
            job_id = job["JobId"]
            if token_file.exists():
                claimed = read_json(token_file, kind="token")
                if claimed.get("request_hash") != request_hash:
                    raise IdempotencyException(
                        "The ClientRequestToken was already used with a different request."
                    )
                if self.ns.job_file(claimed["job_id"]).exists():
                    return claimed["job_id"], None
                # A crash came between the token and the job: finish that creation.
                job_id = claimed["job_id"]
                job = {
                    **job,
                    "JobId": job_id,
                    "JobArn": job["JobArn"].rsplit("/", 1)[0] + "/" + job_id,
                }
            else:
                # The token first: a retry after a crash then finds it and no second job.
                write_json(
                    token_file,
                    {
                        "kind": "token",
                        "schema_version": SCHEMA_VERSION,
                        "token": token,
                        "job_id": job_id,
                        "request_hash": request_hash,
                    },
                )
            record = {
                "kind": "job",
                "schema_version": SCHEMA_VERSION,
                "job": job,
                "tags": tags,
                "engine": {**(engine or {}), "indexed": marker_name(job)},
            }
            fresh = not self.ns.jobs_dir.exists()
            self.index.add(marker_name(job))  # the marker first: a crash leaves one extra
            write_json(self.ns.job_file(job_id), record)
            if fresh:  # the namespace's first job: its index is complete from the start
                self.index.mark_complete()
            self.event(job, "JobCreated")
        self.wake_worker()
        return job_id, record

    # -- reading ----------------------------------------------------------------

    def load(self, job_id: str) -> dict[str, Any]:
        """The record of one job; NotFoundException when there is none."""
        if "/" in job_id or job_id in (".", ".."):
            raise not_found(job_id)
        try:
            return read_json(self.ns.job_file(job_id), kind="job")
        except FileNotFoundError:
            raise not_found(job_id) from None

    def job_ids(self) -> list[str]:
        jobs_dir = self.ns.jobs_dir
        if not jobs_dir.is_dir():
            return []
        return [p.name for p in jobs_dir.iterdir() if (p / "job.json").is_file()]

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record; a corrupt one is reported and skipped, an unreadable one raises."""
        for job_id in self.job_ids():
            try:
                yield read_json(self.ns.job_file(job_id), kind="job")
            except FileNotFoundError:
                continue  # deleted since listed
            except StatePermissionError:
                raise  # not corrupt, not absent: the user must be told
            except StateError as exc:
                from s3bo_cli import logs

                logs.get().warning("%s (skipped)", exc)

    # -- changing ---------------------------------------------------------------

    @contextmanager
    def update(self, job_id: str) -> Iterator[dict[str, Any]]:
        """Hold the job's lock, yield its record, and write it back if no error.

        For everything but the status: a status changes only through
        ``engine.lifecycle``, which logs and announces it.
        """
        if not self.ns.job_file(job_id).exists():
            raise not_found(job_id)
        with _lock(self.ns.job_lock(job_id)):
            record = self.load(job_id)
            before = record["job"]["Status"]
            yield record
            if record["job"]["Status"] != before:
                raise RuntimeError(f"job {job_id}: status changed outside engine.lifecycle")
            self.save(record)

    def save(self, record: dict[str, Any], *, durable: bool = True) -> None:
        """Write a job's record (the caller holds the job's lock), and its index marker.

        ``durable=False`` skips the fsync, for a status the engine leaves at once
        (see ``Lifecycle.move``).
        """
        path = self.ns.job_file(record["job"]["JobId"])
        previous = record.get("engine", {}).get("indexed")
        if previous is None:  # written before the index: the marker is by the file on disk
            try:
                previous = marker_name(read_json(path, kind="job")["job"])
            except (OSError, StateError, KeyError):
                previous = None
        old = self.index.before_write(record, previous)
        write_json(path, record, fsync=durable)
        self.index.after_write(old)

    # -- the index --------------------------------------------------------------

    @property
    def index(self) -> JobIndex:
        return JobIndex(self.ns)

    def listing(self, statuses: Iterable[JobStatus]) -> list[Marker] | None:
        """The index's markers for ``statuses``, built first if need be; None when it
        cannot be (a read-only state directory without one: read the job files)."""
        index = self.index
        if not index.complete:
            if not self.ns.jobs_dir.is_dir():
                return []
            try:
                with _lock(self.ns.lock_file):
                    if not index.complete:
                        index.rebuild(self.records())
            except OSError as exc:
                from s3bo_cli import logs

                logs.get().debug("job index not built: %s", exc)
                return None
        return index.markers(statuses)

    @property
    def events_file(self) -> Path:
        return self.ns.root / events.EVENTS_FILE

    def event(self, job: dict[str, Any], name: str) -> None:
        """Append a JobCreated or JobStatusChanged event for ``job``."""
        event = events.status_event(
            job,
            name=name,
            account_id=self.ns.account_id,
            region=self.ns.region,
            now=clock.now_iso(),
        )
        events.append(self.events_file, event)

    def wake_worker(self) -> None:
        """A job has new work for the worker: have a running one schedule now."""
        wakeup.ring(self.ns.state_dir)

    def lock(self, job_id: str) -> FileMutex:
        """The job's lock, for callers that read and write several files of one job."""
        return _lock(self.ns.job_lock(job_id))

    def delete(self, job_id: str) -> None:
        """Remove a job and everything under it (jobs past their retention)."""
        try:
            record = self.load(job_id)
        except S3boError:
            record = None
        shutil.rmtree(self.ns.job_dir(job_id), ignore_errors=True)
        if record is not None and not self.ns.job_dir(job_id).exists():
            self.index.forget(record)
