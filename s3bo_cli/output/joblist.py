"""``list-jobs`` as a table that fits the terminal and never cuts a job id.

A job id is what people copy, so it is always whole. Other columns go, least
important first, until the rest fits; below the width of an id and a status,
each job becomes two lines (its id, then status and progress).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from s3bo_cli.output.cells import (
    operation_name,
    progress_text,
    scalar_text,
    short_time,
    status_text,
)
from s3bo_cli.output.layout import fit

#: Columns by importance; Region only with --all-regions, Description only when room.
IMPORTANCE = ("JobId", "Status", "Region", "Progress", "Operation", "Priority", "Created")
#: The order columns are shown in.
ORDER = ("Region", "JobId", "Description", "Operation", "Priority", "Status", "Progress", "Created")

Cell = Callable[[dict[str, Any]], "str | Text"]


def _cells(share: bool) -> dict[str, Cell]:
    return {
        "Region": lambda j: scalar_text(j.get("Region")),
        "JobId": lambda j: scalar_text(j.get("JobId")),
        "Description": lambda j: scalar_text(j.get("Description")),
        "Operation": lambda j: operation_name(j.get("Operation")),
        "Priority": lambda j: scalar_text(j.get("Priority")),
        "Status": lambda j: status_text(j.get("Status")),
        "Progress": lambda j: progress_text(j.get("ProgressSummary"), share=share),
        "Created": lambda j: short_time(j.get("CreationTime")),
    }


def _table(jobs: list[dict[str, Any]], columns: list[str], *, share: bool) -> Table:
    cells = _cells(share)
    table = Table(
        title="ListJobs", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False
    )
    for column in (c for c in ORDER if c in columns):
        table.add_column(
            column,
            justify="right" if column == "Priority" else "left",
            no_wrap=column != "Description",
        )
    for job in jobs:
        table.add_row(*(cells[c](job) for c in ORDER if c in columns))
    return table


def _candidates(jobs: list[dict[str, Any]]) -> list[tuple[list[str], bool]]:
    """Column sets to try, widest first: (columns, show the share of tasks done)."""
    wanted = [c for c in IMPORTANCE if c != "Region" or any("Region" in j for j in jobs)]
    tries: list[tuple[list[str], bool]] = []
    if any(j.get("Description") for j in jobs):
        tries.append(([*wanted, "Description"], True))
    for count in range(len(wanted), 1, -1):
        tries += [(wanted[:count], True), (wanted[:count], False)]
    return tries


def list_jobs(result: dict[str, Any], width: int = 0) -> list[RenderableType]:
    """One row a job with the columns that fit ``width``; whole job ids always."""
    jobs = [j for j in result.get("Jobs") or [] if isinstance(j, dict)]
    out: list[RenderableType] = []
    if jobs:
        out.append(_layout(jobs, width or 200))
    else:
        out.append(Text("No jobs.", style="dim"))
    if result.get("NextToken"):
        out.append(Text(f"NextToken: {result['NextToken']}", style="dim"))
    return out


def _layout(jobs: list[dict[str, Any]], width: int) -> RenderableType:
    for columns, share in _candidates(jobs):
        table = _table(jobs, columns, share=share)
        if fit(table, width):
            return table
    lines: list[RenderableType] = [Text("ListJobs", style="bold")]
    for job in jobs:
        lines.append(Text(scalar_text(job.get("JobId"))))
        details = Text("  ").append_text(status_text(job.get("Status")))
        details.append("  ").append_text(progress_text(job.get("ProgressSummary"), share=False))
        lines.append(details)
    return Group(*lines)
