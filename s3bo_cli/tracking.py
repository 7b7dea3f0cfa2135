"""Following jobs for `s3bo wait` and `s3bo watch`: progress, tasks/s and ETA.

Plain Python fed with DescribeJob results and the (monotonic) time each was
taken, so it works the same on every backend and in tests. What is shown, and
how, lives in ``s3bo_cli.output.live``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from s3bo_cli.errors import ExitCode
from s3bo_cli.model.statuses import EXIT_CODES, TERMINAL, JobStatus

#: Statuses in which tasks run; a rate is shown only for these.
RUNNING = frozenset({"Active", "Completing", "Pausing", "Failing", "Cancelling"})
#: Statuses before the manifest has been read (TotalNumberOfTasks is 0 there).
PREPARING = frozenset({"New", "Preparing"})
#: Samples (polls) over which tasks/s is measured.
WINDOW = 10
#: Off a terminal, a progress line is printed at most once per this share of the tasks.
LINE_STEP = 0.10


def suspended_hint(job_id: str) -> str:
    """What a Suspended job waits for, and the command that gives it."""
    return (
        f"job {job_id} is Suspended: confirm it with `s3bo update-job-status "
        f"--job-id {job_id} --requested-job-status Ready`"
    )


@dataclass
class JobTrack:
    """One followed job: its latest DescribeJob values and recent progress samples."""

    job_id: str
    status: str = ""
    total: int | None = None
    succeeded: int = 0
    failed: int = 0
    elapsed: float | None = None  # Timers.ElapsedTimeInActiveSeconds
    reason: str = ""  # StatusUpdateReason
    failures: list[tuple[str, str]] = field(default_factory=list)  # (FailureCode, FailureReason)
    samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=WINDOW))
    _shown: tuple[Any, ...] | None = None

    @property
    def done(self) -> int:
        return self.succeeded + self.failed

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def failure_codes(self) -> list[str]:
        return [code for code, _ in self.failures]

    def observe(self, job: dict[str, Any], now: float) -> None:
        """Record one DescribeJob ``Job`` taken at ``now`` (monotonic seconds)."""
        summary = job.get("ProgressSummary") or {}
        self.status = job.get("Status", self.status)
        self.total = summary.get("TotalNumberOfTasks", self.total)
        if self.status in PREPARING and not self.total:
            self.total = None  # not counted yet
        self.succeeded = summary.get("NumberOfTasksSucceeded", 0)
        self.failed = summary.get("NumberOfTasksFailed", 0)
        timers = summary.get("Timers") or {}
        self.elapsed = timers.get("ElapsedTimeInActiveSeconds", self.elapsed)
        self.reason = job.get("StatusUpdateReason") or ""
        self.failures = [
            (r.get("FailureCode", ""), r.get("FailureReason", ""))
            for r in job.get("FailureReasons") or []
        ]
        self.samples.append((now, self.done))

    def changed(self) -> bool:
        """True once per change worth a line of its own (for output that is not a terminal).

        A new status, total or failure code always is; progress only each time
        it crosses another step of ``LINE_STEP`` of the tasks, so that a log
        file gets a few lines per job, not one per poll.
        """
        step = None
        if self.total:
            step = int(self.done / self.total / LINE_STEP) if self.done < self.total else "all"
        shown = (self.status, self.total, step, bool(self.failed), tuple(self.failure_codes))
        if shown == self._shown:
            return False
        self._shown = shown
        return True

    @property
    def rate(self) -> float | None:
        """Tasks per second over the recent samples (the job's average before two exist)."""
        if self.status not in RUNNING or not self.samples:
            return None
        (t0, d0), (t1, d1) = self.samples[0], self.samples[-1]
        if t1 > t0:
            return max(0.0, (d1 - d0) / (t1 - t0))
        if self.elapsed and self.done:
            return self.done / self.elapsed
        return None

    @property
    def eta(self) -> float | None:
        """Seconds until every task has run, at the current rate."""
        rate = self.rate
        if not rate or self.total is None:
            return None
        return max(0, self.total - self.done) / rate

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return 1.0 if self.terminal and self.total == 0 else None
        return min(1.0, self.done / self.total)


class Tracker:
    """Every followed job, in the order first seen."""

    def __init__(self) -> None:
        self.jobs: dict[str, JobTrack] = {}

    def observe(self, job: dict[str, Any], now: float) -> JobTrack:
        track = self.jobs.setdefault(job["JobId"], JobTrack(job["JobId"]))
        track.observe(job, now)
        return track

    def pending(self) -> list[str]:
        """Ids of the jobs not yet in a terminal status."""
        return [job_id for job_id, track in self.jobs.items() if not track.terminal]

    def exit_code(self) -> int:
        statuses = {track.status for track in self.jobs.values()}
        for worst in (JobStatus.FAILED, JobStatus.CANCELLED):
            if worst in statuses:
                return EXIT_CODES[worst]
        return ExitCode.OK

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for track in self.jobs.values():
            counts[track.status] = counts.get(track.status, 0) + 1
        parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        noun = "job" if len(self.jobs) == 1 else "jobs"
        return f"{len(self.jobs)} {noun}: {parts}"
