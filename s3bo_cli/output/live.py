"""What `s3bo wait` and `s3bo watch` draw: a line per change off a terminal, live views on one.

Every view is laid out for the width it is drawn at: job ids are never cut,
values never split; what does not fit is left out, least useful first (the
bar, then elapsed time, tasks/s, ETA). The live display redraws from a clean
screen when the terminal is resized, so no stale lines stay behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from s3bo_cli.output.cells import STATUS_STYLES
from s3bo_cli.output.layout import Indented, fit

if TYPE_CHECKING:
    from s3bo_cli.tracking import JobTrack, Tracker

#: Narrowest progress bar worth drawing.
MIN_BAR = 10
#: Widest progress bar in the one-line view of `s3bo wait`.
MAX_BAR = 40


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


def tasks_text(track: JobTrack) -> str:
    total = "?" if track.total is None else f"{track.total:,}"
    return f"{track.done:,}/{total}"


def share_text(track: JobTrack) -> str:
    fraction = track.fraction
    return f"{fraction:.0%}" if fraction is not None and track.total else ""


def _rate_text(track: JobTrack) -> str:
    return "" if track.rate is None else f"{track.rate:.1f}"


def _eta_text(track: JobTrack) -> str:
    return "" if track.eta is None else duration_text(track.eta)


def _elapsed_text(track: JobTrack) -> str:
    return duration_text(track.elapsed) if track.elapsed else ""


def line(track: JobTrack) -> str:
    """One plain line for a job (printed off a terminal when it changes)."""
    share = share_text(track)
    tasks = tasks_text(track) + (f" ({share})" if share else "")
    parts = [track.job_id, f"{track.status:<10}", tasks, f"{track.failed:,} failed"]
    if track.rate is not None:
        parts.append(f"{_rate_text(track)} tasks/s")
    if track.eta is not None:
        parts.append(f"ETA {_eta_text(track)}")
    if track.elapsed:
        parts.append(f"elapsed {_elapsed_text(track)}")
    if track.failures:
        parts.append("failures: " + ", ".join(track.failure_codes))
    return "  ".join(parts)


def _status(track: JobTrack) -> Text:
    return Text(track.status, style=STATUS_STYLES.get(track.status, ""))


def _bad(track: JobTrack) -> bool:
    return track.status in ("Failed", "Failing") or bool(track.failures)


def _bar(track: JobTrack, width: int | None) -> ProgressBar:
    total, done = track.total, track.done
    if track.terminal and not total:  # ended before any task: a full or an empty bar
        total, done = 1, int(track.status == "Complete")
    return ProgressBar(
        total=float(total) if total else None,
        completed=float(done),
        width=width,
        pulse=not total,
        complete_style="red" if _bad(track) else "cyan",
        finished_style="red" if _bad(track) else "green",
    )


def status_line(track: JobTrack, width: int) -> RenderableType:
    """One job on one line of ``width``: status, bar, tasks, share, failed, rate, ETA, elapsed."""
    parts: list[tuple[str, Text]] = [  # by importance; the bar takes what is left
        ("status", _status(track)),
        ("tasks", Text(tasks_text(track))),
        ("share", Text(share_text(track))),
        ("failed", Text(f"{track.failed:,} failed", style="red" if track.failed else "")),
        ("eta", Text(f"ETA {_eta_text(track)}" if track.eta is not None else "")),
        ("rate", Text(f"{_rate_text(track)}/s" if track.rate is not None else "")),
        ("elapsed", Text(f"{_elapsed_text(track)} elapsed" if track.elapsed else "", style="dim")),
    ]
    parts = [(name, text) for name, text in parts if text.plain]
    while len(parts) > 1 and sum(len(t) + 2 for _, t in parts) - 2 > width:
        parts.pop()
    room = width - sum(len(t) + 2 for _, t in parts)
    grid = Table.grid(padding=(0, 2, 0, 0))
    cells: list[RenderableType] = [text for _, text in parts]
    if room >= MIN_BAR and not track.terminal:
        cells.insert(1, _bar(track, min(room, MAX_BAR)))
    for _ in cells:
        grid.add_column(no_wrap=True)
    grid.add_row(*cells)
    return grid


def final_line(track: JobTrack) -> Text:
    """How a job ended, for every terminal status: counts, time, and why it failed."""
    text = _status(track)
    share = share_text(track)
    text.append(f"  {tasks_text(track)}" + (f" ({share})" if share else ""))
    text.append(f"  {track.failed:,} failed", style="red" if track.failed else "")
    if track.elapsed:
        text.append(f"  elapsed {_elapsed_text(track)}", style="dim")
    reasons = [f"{code}: {reason}" for code, reason in track.failures]
    if track.status == "Cancelled" and track.reason:
        reasons.append(track.reason)
    if reasons:
        text.append("  " + "; ".join(reasons), style="red" if track.status == "Failed" else "")
    return text


class WaitView:
    """`s3bo wait` on a terminal: one line for the job, and what it waits for."""

    def __init__(self, track: JobTrack, hint: str | None = None) -> None:
        self.track = track
        self.hint = hint

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield status_line(self.track, options.max_width)
        if self.hint:
            yield Text(self.hint, style="magenta")


#: Columns of the watch table by importance (Job is never cut), with what fills them.
_COLUMNS: dict[str, Callable[[JobTrack], RenderableType]] = {
    "Job": lambda t: Text(t.job_id),
    "Status": _status,
    "Tasks": lambda t: Text(tasks_text(t)),
    "Failed": lambda t: Text(f"{t.failed:,}", style="red" if t.failed else ""),
    "%": lambda t: Text(share_text(t)),
    "ETA": lambda t: Text(_eta_text(t)),
    "Tasks/s": lambda t: Text(_rate_text(t)),
    "Elapsed": lambda t: Text(_elapsed_text(t)),
    "Progress": lambda t: _bar(t, None),
}
_ORDER = ("Job", "Status", "Progress", "Tasks", "%", "Failed", "Tasks/s", "ETA", "Elapsed")


class WatchView:
    """`s3bo watch` on a terminal: a row per job, failures, hints, and a caption."""

    def __init__(self, tracker: Tracker, *, interval: float, hints: dict[str, str]) -> None:
        self.tracker = tracker
        self.interval = interval
        self.hints = hints

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.build(options.max_width)

    def _table(self, columns: list[str]) -> Table:
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
        for name in (c for c in _ORDER if c in columns):
            right = name not in ("Job", "Status", "Progress")
            table.add_column(
                name,
                justify="right" if right else "left",
                no_wrap=name != "Progress",  # a bar takes any width from MIN_BAR up
                min_width=MIN_BAR if name == "Progress" else None,
            )
        for track in self.tracker.jobs.values():
            table.add_row(*(_COLUMNS[c](track) for c in _ORDER if c in columns))
        return table

    def _jobs(self, width: int) -> RenderableType:
        names = list(_COLUMNS)
        for count in range(len(names), 2, -1):
            table = self._table(names[:count])
            if fit(table, width):
                return table
        rows: list[RenderableType] = []  # too narrow for a row per job: two lines each
        for track in self.tracker.jobs.values():
            rows += [Text(track.job_id, style="bold"), Indented(status_line(track, width - 2), 2)]
        return Group(*rows)

    def build(self, width: int) -> RenderableType:
        parts: list[RenderableType] = [self._jobs(width)]
        for track in self.tracker.jobs.values():
            for code, reason in track.failures:
                parts.append(Text(f"{track.job_id}  {code}: {reason}", style="red"))
            hint = self.hints.get(track.job_id)
            if hint and track.status == "Suspended":
                parts.append(Text(hint, style="magenta"))
        every = f"every {self.interval:g}s"
        parts.append(Text(f"{self.tracker.summary()} · {every} · Ctrl-C to stop", style="dim"))
        return Group(*parts)


class LiveScreen:
    """A live display on ``stream``; a resize redraws it from a cleared screen."""

    def __init__(self, stream: TextIO, *, color: bool, transient: bool = False) -> None:
        self.console = Console(
            file=stream,
            color_system="auto" if color else None,
            highlight=False,
            markup=False,
            emoji=False,
        )
        self.live = Live(console=self.console, auto_refresh=False, transient=transient)
        self.width: int | None = None

    def __enter__(self) -> LiveScreen:
        self.live.__enter__()
        return self

    def show(self, renderable: RenderableType) -> None:
        width = self.console.width
        if self.width is not None and width != self.width:
            # the terminal re-wrapped the old lines: rich cannot know where they are now
            self.console.clear()
            self.live._live_render._shape = None  # nothing left on screen to move over
        self.width = width
        self.live.update(renderable, refresh=True)

    def print(self, renderable: RenderableType) -> None:
        """A line above the live display, kept when it goes."""
        self.console.print(renderable)

    def __exit__(self, *exc: Any) -> None:
        self.live.__exit__(*exc)
