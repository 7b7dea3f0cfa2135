"""The job life cycle's one transition table (engine.lifecycle moves jobs along it)."""

from __future__ import annotations

from s3bo_cli.model.statuses import JobStatus

S = JobStatus

#: Allowed transitions, as the service's documentation draws them (README: the local engine).
TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    # New -> Failing only for a job whose step broke the worker (an internal error).
    S.NEW: frozenset({S.PREPARING, S.CANCELLED, S.FAILING}),
    S.PREPARING: frozenset({S.SUSPENDED, S.READY, S.FAILING, S.CANCELLED}),
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

#: Statuses a user may cancel from (anything else is a JobStatusException).
CANCELLABLE = frozenset({S.NEW, S.PREPARING, S.SUSPENDED, S.READY, S.ACTIVE, S.PAUSING, S.PAUSED})
#: Cancelling these needs the worker to stop tasks and write the report first.
CANCEL_VIA_CANCELLING = frozenset({S.ACTIVE, S.PAUSING, S.PAUSED})
