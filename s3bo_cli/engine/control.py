"""User pause and resume: a local-engine extension (AWS has no API to pause a job).

A paused job keeps its place: a running one finishes its tasks in flight
(Pausing, then Paused), a Ready one waits as Paused; neither is scheduled
again until it is resumed. Resuming makes it runnable by priority, as any
Paused job.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from s3bo_cli import clock
from s3bo_cli.engine.lifecycle import Lifecycle
from s3bo_cli.errors import JobStatusException
from s3bo_cli.model.statuses import TERMINAL, JobStatus

S = JobStatus
PAUSABLE = frozenset({S.READY, S.ACTIVE, S.PAUSING, S.PAUSED})


def pause_job(lifecycle: Lifecycle, job_id: str) -> dict[str, Any]:
    """Hold a job; returns ``{"JobId", "Status"}``."""
    with lifecycle.edit(job_id) as edit:
        job, status = edit.job, edit.status
        if status not in PAUSABLE:
            raise JobStatusException(
                f"Job {job_id} is in status {status}; only Ready, Active or Paused jobs can "
                "be paused"
            )
        edit.engine["user_paused"] = True
        if status is S.ACTIVE:
            edit.move(S.PAUSING)  # the runner finishes the move
        elif status is S.READY:
            edit.move(S.PAUSED)
        return {"JobId": job_id, "Status": job["Status"]}


def resume_job(lifecycle: Lifecycle, job_id: str) -> dict[str, Any]:
    """Release a job held by :func:`pause_job`."""
    with lifecycle.jobs.update(job_id) as record:
        job = record["job"]
        if not record["engine"].get("user_paused"):
            raise JobStatusException(f"Job {job_id} was not paused by a user (s3bo pause)")
        record["engine"]["user_paused"] = False
    lifecycle.jobs.wake_worker()
    return {"JobId": job_id, "Status": job["Status"]}


def is_held(record: dict[str, Any]) -> bool:
    """True while a user pause keeps the job from being scheduled."""
    return bool(record.get("engine", {}).get("user_paused"))


#: A job in one of these statuses always has work for the worker.
WORKER_STATUSES = frozenset(JobStatus) - TERMINAL - {S.SUSPENDED, S.PAUSED}
#: Confirmation must come within this long of entering Suspended.
SUSPENDED_TIMEOUT = timedelta(days=30)


def confirmation_expired(job: dict[str, Any]) -> bool:
    """A Suspended job left unconfirmed for more than 30 days (it is to fail)."""
    since = job.get("SuspendedDate")
    return isinstance(since, str) and clock.now() - clock.parse(since) > SUSPENDED_TIMEOUT


def needs_worker(record: dict[str, Any]) -> bool:
    """Whether only the worker can move this job on: the one rule for the worker's
    scheduling and for starting a worker on demand."""
    status = JobStatus(record["job"]["Status"])
    if status is S.PAUSED:
        return not is_held(record)
    if status is S.SUSPENDED:
        return confirmation_expired(record["job"])
    return status in WORKER_STATUSES
