"""The job life cycle: one transition table, the only writer of a job's Status."""

from __future__ import annotations

from enum import Enum
from typing import Any

from s3bo_cli.errors import JobStatusException


class JobStatus(str, Enum):
    """The 13 statuses of the service, spelled as the API spells them."""

    NEW = "New"
    PREPARING = "Preparing"
    SUSPENDED = "Suspended"
    READY = "Ready"
    ACTIVE = "Active"
    PAUSING = "Pausing"
    PAUSED = "Paused"
    COMPLETING = "Completing"
    COMPLETE = "Complete"
    CANCELLING = "Cancelling"
    CANCELLED = "Cancelled"
    FAILING = "Failing"
    FAILED = "Failed"

    def __str__(self) -> str:
        return self.value


S = JobStatus

#: Allowed transitions, as the service's documentation draws them (README: the local engine).
TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    S.NEW: frozenset({S.PREPARING, S.CANCELLED, S.FAILING, S.FAILED}),
    S.PREPARING: frozenset({S.SUSPENDED, S.READY, S.FAILING, S.FAILED, S.CANCELLED}),
    S.SUSPENDED: frozenset({S.READY, S.CANCELLED, S.FAILED}),
    # Ready -> Paused only through `s3bo pause` (a local-engine extension).
    S.READY: frozenset({S.ACTIVE, S.CANCELLED, S.PAUSED}),
    S.ACTIVE: frozenset({S.PAUSING, S.COMPLETING, S.FAILING, S.CANCELLING}),
    S.PAUSING: frozenset({S.PAUSED, S.CANCELLING, S.FAILING, S.COMPLETING}),
    S.PAUSED: frozenset({S.ACTIVE, S.CANCELLING}),
    S.COMPLETING: frozenset({S.COMPLETE}),
    S.CANCELLING: frozenset({S.CANCELLED}),
    S.FAILING: frozenset({S.FAILED}),
    S.COMPLETE: frozenset(),
    S.CANCELLED: frozenset(),
    S.FAILED: frozenset(),
}

TERMINAL = frozenset({S.COMPLETE, S.CANCELLED, S.FAILED})
#: Statuses a user may cancel from (anything else is a JobStatusException).
CANCELLABLE = frozenset({S.NEW, S.PREPARING, S.SUSPENDED, S.READY, S.ACTIVE, S.PAUSING, S.PAUSED})
#: Cancelling these needs the worker to stop tasks and write the report first.
CANCEL_VIA_CANCELLING = frozenset({S.ACTIVE, S.PAUSING, S.PAUSED})


def can_transition(current: JobStatus, target: JobStatus) -> bool:
    return target in TRANSITIONS[current]


def transition(job: dict[str, Any], target: JobStatus, *, now: str) -> None:
    """Move ``job`` (a JobDescriptor dict) to ``target``, keeping its dates true.

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
