"""``--output table``: a rich rendering for people (the one module that imports rich).

DescribeJob, ListJobs and the small job responses get dedicated layouts;
anything else, including what ``--query`` selected, renders through a generic
nested key/value layout, so new commands need no code here.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any, TextIO

from rich import box
from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from s3bo_cli.output import joblist
from s3bo_cli.output.cells import (
    elapsed_text,
    operation_name,
    progress_text,
    scalar_text,
    status_text,
)
from s3bo_cli.output.generic import aligned_rows, generic
from s3bo_cli.output.layout import fit, pipe_width

#: Columns a Panel adds around its content (borders and padding).
PANEL_EXTRA = 4


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
        width=None if is_tty else pipe_width(),
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
        renderables = [generic(value, width=console.width, title=None if queried else operation)]
    for renderable in renderables:
        console.print(renderable, crop=False)  # a token wider than the screen stays whole


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich's default redirects sys.stdout and exits; leave that to the caller.
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


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
    grid.add_column()
    return grid


def describe_job(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    job = result.get("Job")
    if not isinstance(job, dict):
        return [generic(result, width=width, title="DescribeJob")]
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
    shown = [
        (label, cell if isinstance(cell, Text) else Text(scalar_text(cell)))
        for label, cell in rows
        if cell is not None and cell != ""
    ]
    for label, text in shown:
        grid.add_row(label, text)
    out: list[RenderableType]
    if fit(grid, width - PANEL_EXTRA):
        out = [Panel(grid, title="DescribeJob", title_align="left", expand=False, box=box.ROUNDED)]
    else:
        rows_view = aligned_rows([(label, text, None) for label, text in shown], width)
        out = [Text("DescribeJob", style="bold"), rows_view]
    reasons = job.get("FailureReasons") or []
    if reasons:
        table = Table(title="FailureReasons", title_justify="left", box=box.SIMPLE_HEAD)
        table.add_column("FailureCode", style="red", no_wrap=True)
        table.add_column("FailureReason")
        for reason in reasons:
            if isinstance(reason, dict):
                table.add_row(
                    scalar_text(reason.get("FailureCode")), scalar_text(reason.get("FailureReason"))
                )
        fitted = fit(table, width)
        out.append(table if fitted else generic(reasons, width=width, title="FailureReasons"))
    return out


def _legend(progress: Text) -> Text:
    progress.append("  succeeded/failed/total", style="dim")
    return progress


def _joined(*parts: Any) -> str | None:
    text = "  ".join(scalar_text(p) for p in parts if p)
    return text or None


def _row_table(
    title: str, result: dict[str, Any], columns: tuple[str, ...], width: int
) -> RenderableType:
    """The response as one row; as key/value rows when that row cannot fit ``width``."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    present = [c for c in columns if c in result]
    present += [
        k for k, v in result.items() if k not in columns and not isinstance(v, (dict, list))
    ]
    for column in present:
        table.add_column(column, no_wrap=column == "JobId")
    table.add_row(
        *(status_text(result[c]) if c == "Status" else scalar_text(result[c]) for c in present)
    )
    if fit(table, width or 200):
        return table
    return generic({c: result[c] for c in present}, width=width, title=title)


def create_job(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    return [_row_table("CreateJob", result, ("JobId",), width)]


def update_job_priority(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    return [_row_table("UpdateJobPriority", result, ("JobId", "Priority"), width)]


def update_job_status(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    return [_row_table("UpdateJobStatus", result, ("JobId", "Status", "StatusUpdateReason"), width)]


def pause_job(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    return [_row_table("PauseJob", result, ("JobId", "Status"), width)]


def resume_job(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    return [_row_table("ResumeJob", result, ("JobId", "Status"), width)]


def get_job_tagging(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    tags = result.get("Tags") or []
    if not tags:
        return [Text("No tags.", style="dim")]
    table = Table(title="GetJobTagging", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("Key")
    table.add_column("Value")
    for tag in tags:
        if isinstance(tag, dict):
            table.add_row(scalar_text(tag.get("Key")), scalar_text(tag.get("Value")))
    return [
        table if fit(table, width or 200) else generic(tags, width=width, title="GetJobTagging")
    ]


def dry_run_plan(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    """`create-job --dry-run`: the planner's summary, its lines fitted to ``width``."""
    from s3bo_cli.output.layout import unbroken
    from s3bo_cli.output.plan import fit_rows, plan_rows

    failures = result.get("LikelyFailureCounts") or {}
    title = Text("Dry run: no job was created", style="bold")
    lines = fit_rows(plan_rows(result), width or 200)
    body = unbroken(Text("\n".join(lines), style="red" if failures else ""))
    return [title, body]


_BUILDERS: dict[str, Callable[[dict[str, Any], int], list[RenderableType]]] = {
    "CreateJobDryRun": dry_run_plan,
    "DescribeJob": describe_job,
    "ListJobs": joblist.list_jobs,
    "CreateJob": create_job,
    "UpdateJobPriority": update_job_priority,
    "UpdateJobStatus": update_job_status,
    "PauseJob": pause_job,
    "ResumeJob": resume_job,
    "GetJobTagging": get_job_tagging,
}
