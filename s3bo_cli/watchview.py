"""What ``s3bo watch`` shows: per-job progress, tasks/s and ETA, as lines or a live table.

Tracking is plain Python fed with DescribeJob results and the time they were
taken, so it works the same on every backend and in tests. :func:`view`
builds the rich live view, which imports rich only when drawn.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult

#: Exit codes, as `s3bo wait`: 0 all Complete, 1 any Failed, 2 any Cancelled.
EXIT_CODES = {"Complete": 0, "Failed": 1, "Cancelled": 2}
TERMINAL = frozenset(EXIT_CODES)
#: Statuses in which tasks run; a rate is shown only for these.
RUNNING = frozenset({"Active", "Completing", "Pausing", "Failing", "Cancelling"})
#: Statuses before the manifest has been read (TotalNumberOfTasks is 0 there).
PREPARING = frozenset({"New", "Preparing"})
#: Samples (polls) over which tasks/s is measured.
WINDOW = 10


def duration_text(seconds: float) -> str:
    """``45s``, ``3m05s``, ``2h07m``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


@dataclass
class JobTrack:
    """One watched job: its latest DescribeJob values and recent progress samples."""

    job_id: str
    status: str = ""
    total: int | None = None
    succeeded: int = 0
    failed: int = 0
    elapsed: float | None = None  # Timers.ElapsedTimeInActiveSeconds
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
        self.failures = [
            (r.get("FailureCode", ""), r.get("FailureReason", ""))
            for r in job.get("FailureReasons") or []
        ]
        self.samples.append((now, self.done))

    def changed(self) -> bool:
        """True once per change of status, counts or failure codes (for line output)."""
        shown = (self.status, self.total, self.succeeded, self.failed, tuple(self.failures))
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
    """Every watched job, in the order first seen."""

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
        if "Failed" in statuses:
            return EXIT_CODES["Failed"]
        if "Cancelled" in statuses:
            return EXIT_CODES["Cancelled"]
        return 0

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for track in self.jobs.values():
            counts[track.status] = counts.get(track.status, 0) + 1
        parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        noun = "job" if len(self.jobs) == 1 else "jobs"
        return f"{len(self.jobs)} {noun}: {parts}"


# -- renderings -----------------------------------------------------------------------


#: Below this console width job ids are shortened and the tasks column drops its share.
WIDE = 100


def _tasks_text(track: JobTrack, *, share: bool = True) -> str:
    total = "?" if track.total is None else f"{track.total:,}"
    fraction = track.fraction
    suffix = f" ({fraction:.0%})" if share and fraction is not None and track.total else ""
    return f"{track.done:,}/{total}{suffix}"


def line(track: JobTrack) -> str:
    """One plain line for a job (printed when it changes)."""
    parts = [track.job_id, f"{track.status:<10}", _tasks_text(track), f"{track.failed:,} failed"]
    if track.rate is not None:
        parts.append(f"{track.rate:.1f} tasks/s")
    if track.eta is not None:
        parts.append(f"ETA {duration_text(track.eta)}")
    if track.failures:
        parts.append("failures: " + ", ".join(track.failure_codes))
    return "  ".join(parts)


def view(tracker: Tracker, *, interval: float) -> LiveView:
    """The live view of ``tracker``, laid out for the console it is printed on."""
    return LiveView(tracker, interval)


class LiveView:
    """A rich renderable: one row per job (coloured status, bar, rate, ETA), then failures."""

    def __init__(self, tracker: Tracker, interval: float) -> None:
        self.tracker = tracker
        self.interval = interval

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.build(options.max_width)

    def build(self, width: int) -> RenderableType:
        from rich import box
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        from s3bo_cli.output.cells import STATUS_STYLES

        wide = width >= WIDE
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
        table.add_column("Job", no_wrap=True)
        table.add_column("Status", no_wrap=True, min_width=10)
        table.add_column("Progress", min_width=8, ratio=1)
        for name in ("Tasks", "Failed", "Tasks/s", "ETA"):
            table.add_column(name, justify="right", no_wrap=True)
        failures = Text(style="red")
        for track in self.tracker.jobs.values():
            bad = track.status in ("Failed", "Failing") or bool(track.failures)
            total, done = track.total, track.done
            if track.terminal and not total:  # ended before any task: a full or an empty bar
                total, done = 1, int(track.status == "Complete")
            bar = ProgressBar(
                total=float(total) if total else None,
                completed=float(done),
                width=None,
                pulse=not total,
                complete_style="red" if bad else "cyan",
                finished_style="red" if bad else "green",
            )
            table.add_row(
                track.job_id if wide else track.job_id[:8] + "…",
                Text(track.status, style=STATUS_STYLES.get(track.status, "")),
                bar,
                _tasks_text(track, share=wide),
                Text(f"{track.failed:,}", style="red" if track.failed else ""),
                "" if track.rate is None else f"{track.rate:.1f}",
                "" if track.eta is None else duration_text(track.eta),
            )
            for code, reason in track.failures:
                failures.append(f"{track.job_id}  {code}: {reason}\n")
        caption = Text(
            f"{self.tracker.summary()} · every {self.interval:g}s · Ctrl-C to stop", style="dim"
        )
        return Group(table, failures, caption) if failures else Group(table, caption)
