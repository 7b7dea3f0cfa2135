"""``--output table``: a rich rendering for people (the one module that imports rich).

DescribeJob, ListJobs and the small job responses get dedicated layouts;
anything else, including what ``--query`` selected, renders through a generic
nested key/value layout, so new commands need no code here.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import Any, TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

PIPE_WIDTH = 160

STATUS_STYLES: dict[str, str] = {
    "New": "bright_blue",
    "Preparing": "blue",
    "Ready": "blue",
    "Active": "cyan",
    "Pausing": "bright_yellow",
    "Paused": "bright_yellow",
    "Suspended": "magenta",
    "Completing": "green",
    "Complete": "bold green",
    "Failing": "red",
    "Failed": "bold red",
    "Cancelling": "yellow",
    "Cancelled": "yellow",
}


def format_table(
    value: Any,
    stream: TextIO,
    *,
    operation: str,
    queried: bool = False,
    color: bool = True,
    is_tty: bool = True,
) -> None:
    """Print ``value`` (the ``operation`` response, or a ``--query`` result) to ``stream``."""
    if value is None or value == {} or value == []:
        return
    console = _Console(
        file=stream,
        width=None if is_tty else _pipe_width(),
        force_terminal=is_tty,
        color_system="auto" if color else None,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    builder = None if queried else _BUILDERS.get(operation)
    if builder is not None and isinstance(value, dict):
        renderables = builder(value, console.width)
    else:
        renderables = [generic(value, title=None if queried else operation)]
    for renderable in renderables:
        console.print(renderable)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich's default redirects sys.stdout and exits; leave that to the caller.
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def _pipe_width() -> int:
    """Off a terminal nothing wraps lines, so lay tables out wide unless ``COLUMNS`` says."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else PIPE_WIDTH


# -- cells ------------------------------------------------------------------


def scalar_text(value: Any) -> str:
    """A scalar as the aws CLI prints it in text and tables (``True``/``False``)."""
    if value is None:
        return ""
    return str(value)


def status_text(status: Any) -> Text:
    return Text(scalar_text(status), style=STATUS_STYLES.get(str(status), ""))


def progress_text(summary: dict[str, Any] | None) -> Text:
    """``succeeded/failed/total`` with the share of tasks done."""
    if not summary:
        return Text("")
    ok = summary.get("NumberOfTasksSucceeded", 0) or 0
    failed = summary.get("NumberOfTasksFailed", 0) or 0
    total = summary.get("TotalNumberOfTasks", 0) or 0
    text = Text(f"{ok}/", style="")
    text.append(str(failed), style="red" if failed else "")
    text.append(f"/{total}")
    if total:
        text.append(f" ({(ok + failed) * 100 // total}%)", style="dim")
    return text


def short_time(value: Any) -> str:
    """``2019-10-03T21:48:48.048Z`` as ``2019-10-03 21:48:48`` (UTC, as the service gives it)."""
    text = scalar_text(value)
    if len(text) >= 19 and text[10] == "T":
        return f"{text[:10]} {text[11:19]}"
    return text


def elapsed_text(seconds: Any) -> str:
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        return scalar_text(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def operation_name(operation: Any) -> str:
    """The operation's name, from the structure (DescribeJob) or the string (ListJobs)."""
    if isinstance(operation, dict):
        return ", ".join(operation) or ""
    return scalar_text(operation)


def _manifest_text(job: dict[str, Any]) -> str:
    manifest = job.get("Manifest")
    if isinstance(manifest, dict):
        location = manifest.get("Location") or {}
        spec = manifest.get("Spec") or {}
        text = scalar_text(location.get("ObjectArn"))
        if location.get("ObjectVersionId"):
            text += f" (version {location['ObjectVersionId']})"
        details = scalar_text(spec.get("Format"))
        if spec.get("Fields"):
            details += f": {','.join(map(str, spec['Fields']))}"
        return f"{text}\n{details}" if details else text
    generator = job.get("ManifestGenerator")
    if isinstance(generator, dict):
        inner: Any = next(iter(generator.values()), {})
        source = inner.get("SourceBucket") if isinstance(inner, dict) else None
        return f"generated from {scalar_text(source)}"
    return ""


def _report_text(report: Any) -> str:
    if not isinstance(report, dict):
        return ""
    if not report.get("Enabled"):
        return "disabled"
    where = scalar_text(report.get("Bucket"))
    if report.get("Prefix"):
        where += f" prefix {report['Prefix']}"
    details = ", ".join(
        scalar_text(report[k]) for k in ("Format", "ReportScope") if report.get(k) is not None
    )
    return f"{where} ({details})" if details else where


# -- per-operation layouts ----------------------------------------------------


def _key_value_grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def describe_job(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    job = result.get("Job")
    if not isinstance(job, dict):
        return [generic(result, title="DescribeJob")]
    summary = job.get("ProgressSummary") or {}
    timers = summary.get("Timers") or {}
    rows: list[tuple[str, Any]] = [
        ("JobId", job.get("JobId")),
        ("Description", job.get("Description")),
        ("Status", status_text(job["Status"]) if "Status" in job else None),
        ("Status reason", job.get("StatusUpdateReason")),
        ("Suspended", _joined(job.get("SuspendedDate"), job.get("SuspendedCause"))),
        ("Confirmation", job.get("ConfirmationRequired")),
        ("Priority", job.get("Priority")),
        ("Operation", operation_name(job.get("Operation")) or None),
        ("Progress", _legend(progress_text(summary)) if summary else None),
        ("Elapsed", elapsed_text(timers["ElapsedTimeInActiveSeconds"]) if timers else None),
        ("Created", job.get("CreationTime")),
        ("Terminated", job.get("TerminationDate")),
        ("Manifest", _manifest_text(job) or None),
        ("Report", _report_text(job.get("Report")) or None),
        ("Role", job.get("RoleArn")),
    ]
    grid = _key_value_grid()
    for label, cell in rows:
        if cell is not None and cell != "":
            grid.add_row(label, cell if isinstance(cell, Text) else scalar_text(cell))
    out: list[RenderableType] = [
        Panel(grid, title="DescribeJob", title_align="left", expand=False, box=box.ROUNDED)
    ]
    reasons = job.get("FailureReasons") or []
    if reasons:
        table = Table(title="FailureReasons", title_justify="left", box=box.SIMPLE_HEAD)
        table.add_column("FailureCode", style="red", no_wrap=True)
        table.add_column("FailureReason", overflow="fold")
        for reason in reasons:
            if isinstance(reason, dict):
                table.add_row(
                    scalar_text(reason.get("FailureCode")), scalar_text(reason.get("FailureReason"))
                )
        out.append(table)
    return out


def _legend(progress: Text) -> Text:
    progress.append("  succeeded/failed/total", style="dim")
    return progress


def _joined(*parts: Any) -> str | None:
    text = "  ".join(scalar_text(p) for p in parts if p)
    return text or None


#: (column, width it needs, padding included): what list-jobs shows, by importance.
_LIST_COLUMNS = (
    ("JobId", 38),
    ("Status", 12),
    ("Region", 11),  # only with --all-regions, where it matters most
    ("Progress", 18),
    ("Priority", 10),
    ("Operation", 22),
    ("Created", 21),
)


def _list_layout(jobs: list[dict[str, Any]], width: int) -> tuple[list[str], bool]:
    """The columns that fit ``width`` (most important first), and whether ids are cut."""
    wanted = [
        name for name, _ in _LIST_COLUMNS if name != "Region" or any("Region" in j for j in jobs)
    ]
    need = dict(_LIST_COLUMNS)
    need["JobId"] = max(len(scalar_text(j.get("JobId"))) for j in jobs) + 2
    short_ids = False
    while sum(need[c] for c in wanted) > width and len(wanted) > 3:
        wanted.pop()  # least important first
    if sum(need[c] for c in wanted) > width:
        short_ids = True
    if any(j.get("Description") for j in jobs) and sum(need[c] for c in wanted) + 16 <= width:
        wanted.insert(1, "Description")
    order = ["Region", "JobId", "Description", "Operation", "Priority", "Status", "Progress"]
    order.append("Created")
    return [c for c in order if c in wanted], short_ids


def list_jobs(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    """One row a job, with the columns that fit the terminal (JobId and Status always)."""
    jobs = [j for j in result.get("Jobs") or [] if isinstance(j, dict)]
    out: list[RenderableType] = []
    if jobs:
        columns, short_ids = _list_layout(jobs, width or 200)
        table = Table(title="ListJobs", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        cells: dict[str, Callable[[dict[str, Any]], str | Text]] = {
            "Region": lambda j: scalar_text(j.get("Region")),
            "JobId": lambda j: scalar_text(j.get("JobId"))[: 8 if short_ids else None],
            "Description": lambda j: scalar_text(j.get("Description")),
            "Operation": lambda j: operation_name(j.get("Operation")),
            "Priority": lambda j: scalar_text(j.get("Priority")),
            "Status": lambda j: status_text(j.get("Status")),
            "Progress": lambda j: progress_text(j.get("ProgressSummary")),
            "Created": lambda j: short_time(j.get("CreationTime")),
        }
        for column in columns:
            table.add_column(
                column,
                justify="right" if column == "Priority" else "left",
                no_wrap=column != "Description",
                overflow="fold" if column == "Description" else "ellipsis",
            )
        for job in jobs:
            table.add_row(*(cells[column](job) for column in columns))
        out.append(table)
    else:
        out.append(Text("No jobs.", style="dim"))
    if result.get("NextToken"):
        out.append(Text(f"NextToken: {result['NextToken']}", style="dim"))
    return out


def _row_table(title: str, result: dict[str, Any], columns: tuple[str, ...]) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    present = [c for c in columns if c in result]
    present += [k for k, v in result.items() if k not in columns and not _nested(v)]
    for column in present:
        table.add_column(column, no_wrap=column == "JobId", overflow="fold")
    table.add_row(
        *(status_text(result[c]) if c == "Status" else scalar_text(result[c]) for c in present)
    )
    return table


def create_job(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    return [_row_table("CreateJob", result, ("JobId",))]


def update_job_priority(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    return [_row_table("UpdateJobPriority", result, ("JobId", "Priority"))]


def update_job_status(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    return [_row_table("UpdateJobStatus", result, ("JobId", "Status", "StatusUpdateReason"))]


def pause_job(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    return [_row_table("PauseJob", result, ("JobId", "Status"))]


def resume_job(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    return [_row_table("ResumeJob", result, ("JobId", "Status"))]


def get_job_tagging(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    tags = result.get("Tags") or []
    if not tags:
        return [Text("No tags.", style="dim")]
    table = Table(title="GetJobTagging", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("Key", overflow="fold")
    table.add_column("Value", overflow="fold")
    for tag in tags:
        if isinstance(tag, dict):
            table.add_row(scalar_text(tag.get("Key")), scalar_text(tag.get("Value")))
    return [table]


def dry_run_plan(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    """`create-job --dry-run`: the planner's own summary lines, under a title."""
    from s3bo_cli.dryrun import render_plan_lines

    failures = result.get("LikelyFailureCounts") or {}
    title = Text("Dry run: no job was created", style="bold")
    body = Text("\n".join(render_plan_lines(result)), style="red" if failures else "")
    return [title, body]


_BUILDERS: dict[str, Callable[[dict[str, Any], int], list[RenderableType]]] = {
    "CreateJobDryRun": dry_run_plan,
    "DescribeJob": describe_job,
    "ListJobs": list_jobs,
    "CreateJob": create_job,
    "UpdateJobPriority": update_job_priority,
    "UpdateJobStatus": update_job_status,
    "PauseJob": pause_job,
    "ResumeJob": resume_job,
    "GetJobTagging": get_job_tagging,
}


# -- generic layout -----------------------------------------------------------


def _nested(value: Any) -> bool:
    return isinstance(value, (dict, list))


def generic(value: Any, *, title: str | None = None) -> RenderableType:
    """Nested key/value tables for any JSON value."""
    if isinstance(value, dict):
        table = Table(
            title=title, title_justify="left", show_header=False, box=box.ROUNDED, expand=False
        )
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for key, item in value.items():
            table.add_row(str(key), _cell(key, item))
        return table
    if isinstance(value, list):
        return _list_table(value, title)
    return Text(scalar_text(value))


def _cell(key: str, value: Any) -> RenderableType:
    if key == "Status" and isinstance(value, str):
        return status_text(value)
    if _nested(value):
        return generic(value)
    return Text(scalar_text(value))


def _list_table(items: list[Any], title: str | None) -> RenderableType:
    if items and all(isinstance(item, dict) for item in items):
        columns: list[str] = []
        for item in items:
            columns += [k for k in item if k not in columns]
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
        for column in columns:
            table.add_column(column, overflow="fold")
        for item in items:
            table.add_row(*(_cell(c, item[c]) if c in item else Text("") for c in columns))
        return table
    rows = items and all(isinstance(item, list) for item in items)
    if rows and not any(_nested(cell) for row in items for cell in row):
        table = Table(title=title, title_justify="left", show_header=False, box=box.SIMPLE)
        for _ in range(max(len(row) for row in items)):
            table.add_column(overflow="fold")
        for row in items:
            table.add_row(*(_cell("", cell) for cell in row))
        return table
    if any(_nested(item) for item in items):
        return Group(*(generic(item) for item in items))
    text = Text("\n".join(scalar_text(item) for item in items))
    if title:
        return Group(Text(title, style="bold"), text)
    return text
