"""The job statuses: the 13 the service names, the three that end a job, and their exit codes."""

from __future__ import annotations

from enum import Enum

from s3bo_cli.errors import ExitCode


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


#: The statuses a job ends in (compare with API strings too: the members are strings).
TERMINAL = frozenset({JobStatus.COMPLETE, JobStatus.CANCELLED, JobStatus.FAILED})
#: What `s3bo wait` and `s3bo watch` exit with when their jobs end so.
EXIT_CODES: dict[str, ExitCode] = {
    JobStatus.COMPLETE: ExitCode.OK,
    JobStatus.FAILED: ExitCode.JOB_FAILED,
    JobStatus.CANCELLED: ExitCode.JOB_CANCELLED,
}
