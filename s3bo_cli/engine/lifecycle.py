"""Where a job changes status: the one mover every status change goes through.

Confirmation and cancellation (the service), `s3bo pause` (control), the runner's
moves and the worker's scheduling all call :class:`Lifecycle`. Each move is one
locked step: check the transition table, write the record, start or bank the
Active timer, append the status event, then tell the notifier (webhooks). So
every status a job passes through is written, logged and announced once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from s3bo_cli import clock
from s3bo_cli.engine.jobstore import JobStore, not_found
from s3bo_cli.engine.states import TRANSITIONS
from s3bo_cli.errors import JobStatusException
from s3bo_cli.model.statuses import TERMINAL, JobStatus
from s3bo_cli.state.layout import Namespace

S = JobStatus


class StatusListener(Protocol):
    """Told after each status change has been written and logged (webhooks)."""

    def status_changed(self, ns: Namespace, record: dict[str, Any]) -> None: ...


def transition(job: dict[str, Any], target: JobStatus, *, now: str) -> None:
    """Set ``job``'s Status to ``target``, keeping its dates true.

    Raises JobStatusException for a move the table does not allow.
    """
    current = JobStatus(job["Status"])
    if target not in TRANSITIONS[current]:
        raise JobStatusException(
            f"Job {job['JobId']} cannot change from status {current} to {target}"
        )
    job["Status"] = target.value
    if target is S.SUSPENDED:
        job["SuspendedDate"] = now
        job["SuspendedCause"] = "Job is waiting for confirmation to run (ConfirmationRequired)."
    if target in TERMINAL:
        job["TerminationDate"] = now


def bank_active_time(record: dict[str, Any], *, running: bool) -> None:
    """Add the time Active since the clock last started to the job's timer.

    Called at each checkpoint (``running``: the clock goes on) and on leaving
    Active, so that a crash loses at most one checkpoint's worth of it.
    """
    engine = record["engine"]
    now = time.time()
    since = engine.get("active_since")
    elapsed = float(engine.get("active_seconds", 0.0))
    if since is not None:
        elapsed += max(0.0, now - since)
    engine["active_seconds"] = elapsed
    engine["active_since"] = now if running else None
    record["job"]["ProgressSummary"]["Timers"] = {"ElapsedTimeInActiveSeconds": int(elapsed)}


def start_active_clock(record: dict[str, Any]) -> None:
    """Count Active time from now (downtime before a restart is not counted)."""
    record["engine"]["active_since"] = time.time()


class Edit:
    """A job's record, held under the job's lock; :meth:`move` changes its status."""

    def __init__(self, record: dict[str, Any], now: str) -> None:
        self.record = record
        self.job: dict[str, Any] = record["job"]
        self.engine: dict[str, Any] = record.setdefault("engine", {})
        self.now = now
        self.moved = False

    @property
    def status(self) -> JobStatus:
        return JobStatus(self.job["Status"])

    def move(self, target: JobStatus) -> None:
        """One move by the table; a second status needs a second edit, so that
        every status is written and logged on the way."""
        if self.moved:
            raise RuntimeError("one status change per locked edit")
        before = self.status
        transition(self.job, target, now=self.now)
        if before is S.ACTIVE:
            bank_active_time(self.record, running=False)
        if target is S.ACTIVE:
            start_active_clock(self.record)
        self.moved = True


class Lifecycle:
    """Moves the jobs of one JobStore; the only code that changes a job's Status."""

    def __init__(
        self,
        jobs: JobStore,
        *,
        notifier: StatusListener | None = None,
        now: Callable[[], str] = clock.now_iso,
    ) -> None:
        self.jobs = jobs
        self.notifier = notifier
        self.now = now

    def create(self, **kwargs: Any) -> str:
        """Store a new job (``JobStore.create``'s arguments) and announce it, New."""
        job_id, created = self.jobs.create(**kwargs)
        if created is not None and self.notifier is not None:
            self.notifier.status_changed(self.jobs.ns, created)  # New, as it was stored
        return job_id

    @contextmanager
    def edit(self, job_id: str, *, durable: bool = True) -> Iterator[Edit]:
        """Hold the job's lock and yield its record; on a clean exit write it back
        (fsync'd unless not ``durable``), and log and announce the move if the
        body made one."""
        if not self.jobs.ns.job_file(job_id).exists():
            raise not_found(job_id)
        with self.jobs.lock(job_id):
            edit = Edit(self.jobs.load(job_id), self.now())
            yield edit
            self.jobs.save(edit.record, durable=durable)
            if edit.moved:  # in the lock, so that a job's events are in status order
                self.jobs.event(edit.job, "JobStatusChanged")
        if edit.moved and self.notifier is not None:
            self.notifier.status_changed(self.jobs.ns, edit.record)

    def move(
        self,
        job_id: str,
        expected: Iterable[JobStatus],
        *targets: JobStatus,
        change: Callable[[dict[str, Any]], None] | None = None,
        durable: bool = True,
    ) -> dict[str, Any] | None:
        """If the job is still in ``expected``: apply ``change``, then each target in turn.

        Each target is its own locked step (Active, Pausing, Paused are each seen).
        Returns the last record, or None when the job had left ``expected`` (a
        user's cancellation wins over what the engine was about to do).

        Only the last step is fsync'd (and not even that one unless ``durable``):
        the ones before it are passed through at once, and a power cut that loses
        them leaves the job where it was, for the worker to do again. A killed
        process loses nothing either way.
        """
        record = None
        allowed = set(expected)
        steps = targets or (None,)
        for step, target in enumerate(steps):
            last = step == len(steps) - 1
            with self.edit(job_id, durable=durable and last) as edit:
                if edit.status not in allowed:
                    return record
                if step == 0 and change is not None:
                    change(edit.record)
                if target is not None:
                    edit.move(target)
                    allowed = {target}
                record = edit.record
        return record
