"""Cells shared by every table: scalars as the aws CLI prints them, coloured statuses."""

from __future__ import annotations

from typing import Any

from rich.text import Text

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


def scalar_text(value: Any) -> str:
    """A scalar as the aws CLI prints it in text and tables (``True``/``False``)."""
    if value is None:
        return ""
    return str(value)


def status_text(status: Any) -> Text:
    return Text(scalar_text(status), style=STATUS_STYLES.get(str(status), ""))


def progress_text(summary: dict[str, Any] | None, *, share: bool = True) -> Text:
    """``succeeded/failed/total``, with the share of tasks done unless ``share`` is False."""
    if not summary:
        return Text("")
    ok = summary.get("NumberOfTasksSucceeded", 0) or 0
    failed = summary.get("NumberOfTasksFailed", 0) or 0
    total = summary.get("TotalNumberOfTasks", 0) or 0
    text = Text(f"{ok}/", style="")
    text.append(str(failed), style="red" if failed else "")
    text.append(f"/{total}")
    if total and share:
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
