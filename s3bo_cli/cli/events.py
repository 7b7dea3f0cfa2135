"""s3bo events: the local engine's CloudTrail-shaped job events, printed or followed."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.options import account_id_option, complete_job_ids
from s3bo_cli.errors import ExitCode, UsageError

POLL_SECONDS = 0.2
PIPE_WIDTH = 160
COLUMNS = ("Time", "Job", "Event", "Status", "Failure codes")
_COLUMN_STYLE: dict[str, dict[str, Any]] = {
    "Time": {"no_wrap": True},
    "Job": {"overflow": "ellipsis", "min_width": 9},
    "Event": {"min_width": 16},
    "Status": {"no_wrap": True},
}


@click.command("events")
@click.argument("job_id", required=False, shell_complete=complete_job_ids)
@account_id_option
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events (Ctrl-C stops).")
@click.option("--since", metavar="ISO", help="Only events at or after this time (ISO 8601).")
@click.option(
    "--data-events",
    is_flag=True,
    help="Include per-task data events (jobs created with --data-events, or tagged "
    "s3bo:data-events=true).",
)
@click.option("--eventbridge", is_flag=True, help="Print each record in its EventBridge envelope.")
@pass_app
def events(
    app: AppContext,
    job_id: str | None,
    account_id: str | None,
    follow: bool,
    since: str | None,
    data_events: bool,
    eventbridge: bool,
) -> None:
    """Print the job events of the current account and region, or of JOB_ID.

    A table on a terminal, JSON lines when piped (or with --output json).
    --follow keeps printing until Ctrl-C or, given JOB_ID, until that job
    is Complete, Failed or Cancelled.

    \b
    Example:
      s3bo events                                  # every job's status changes
      s3bo events "$JOB" --follow                  # until the job ends
      s3bo events --since 2026-11-24T00:00:00Z --eventbridge | jq .detail.eventName
    """
    from s3bo_cli.engine import events
    from s3bo_cli.engine.jobstore import JobStore
    from s3bo_cli.engine.states import TERMINAL
    from s3bo_cli.state.layout import Namespace

    if app.settings.backend != "local":
        raise UsageError("s3bo events reads the local engine's event log (--backend local)")
    start = _parse_since(since)
    ns = Namespace(app.settings.state_dir, app.account_id(account_id), app.settings.region)
    jobs = JobStore(ns)
    if job_id is not None:
        job_id = app.job_id(job_id, ns.account_id)
        jobs.load(job_id)  # NotFoundException for an unknown job
    log = events.EventLog(ns, data_events=data_events)
    printer = _Printer(app, follow=follow, eventbridge=eventbridge, one_job=job_id is not None)

    def wanted(batch: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for event in batch:
            if job_id is not None and events.job_id_of(event) != job_id:
                continue
            if start is not None and _time(event) < start:
                continue
            yield event

    def job_ended() -> bool:
        return job_id is not None and jobs.load(job_id)["job"]["Status"] in {
            s.value for s in TERMINAL
        }

    try:
        with printer:
            printer.show(wanted(log.read()))
            while follow:
                ended = job_ended()  # before reading, so that the last events are read
                printer.show(wanted(log.read()))
                if ended:
                    break
                time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        click.get_current_context().exit(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        _silence_stdout()


def _parse_since(since: str | None) -> datetime | None:
    if since is None:
        return None
    from s3bo_cli import clock

    try:
        return clock.parse(since)
    except ValueError:
        raise UsageError(f"--since {since!r} is not an ISO 8601 time") from None


def _time(event: dict[str, Any]) -> datetime:
    from s3bo_cli import clock

    return clock.parse(event.get("eventTime") or "1970-01-01T00:00:00Z")


def row(event: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """Time, job, event, status and failure codes of a status or data event."""
    from s3bo_cli.engine.events import job_id_of

    moment = str(event.get("eventTime", "")).replace("T", " ").rstrip("Z")
    details = event.get("serviceEventDetails")
    if details is not None:
        codes = ", ".join(details.get("failureCodes") or [])
        job = details.get("jobId", "")
        return moment, job, event.get("eventName", ""), details.get("status", ""), codes
    params = event.get("requestParameters") or {}
    target = f"s3://{params.get('bucketName', '')}/{params.get('key', '')}"
    if params.get("versionId"):
        target += f"?versionId={params['versionId']}"
    status = "Failed" if event.get("errorCode") else "Succeeded"
    name = f"{event.get('eventName', '')} {target}"
    return moment, job_id_of(event) or "", name, status, event.get("errorCode", "")


class _Printer:
    """JSON lines, tab-separated text, or a table (one row a line when following)."""

    def __init__(self, app: AppContext, *, follow: bool, eventbridge: bool, one_job: bool) -> None:
        from s3bo_cli.output import resolve_format

        self.stream = app.stdout
        output = app.settings.output or ("json" if eventbridge else None)
        self.fmt = resolve_format(output, is_tty=self.stream.isatty())
        self.follow = follow
        self.eventbridge = eventbridge
        self.one_job = one_job
        self.color = app.settings.color and self.stream.isatty()
        self.rows: list[tuple[str, ...]] = []
        self.console: Any = None

    def __enter__(self) -> _Printer:
        return self

    def show(self, batch: Iterable[dict[str, Any]]) -> None:
        from s3bo_cli.engine.events import eventbridge

        for event in batch:
            if self.fmt == "json":
                record = eventbridge(event) if self.eventbridge else event
                self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            elif self.fmt == "text":
                self.stream.write("\t".join(row(event)) + "\n")
            elif self.follow:
                self._line(row(event))
            else:
                self.rows.append(row(event))
        self.stream.flush()

    def _console(self) -> Any:
        if self.console is None:
            from rich.console import Console

            tty = self.stream.isatty()
            self.console = Console(
                file=self.stream,
                width=None if tty else PIPE_WIDTH,
                force_terminal=tty,
                color_system="auto" if self.color else None,
                highlight=False,
                markup=False,
                emoji=False,
            )
        return self.console

    def _line(self, cells: tuple[str, ...]) -> None:
        from rich.text import Text

        from s3bo_cli.output.table import status_text

        if self.console is None:
            header = "  ".join(_pad(COLUMNS[:3])) + f"  {COLUMNS[3]:<11}{COLUMNS[4]}"
            self._console().print(Text(header, style="bold"), soft_wrap=True)
        text = Text("  ".join(_pad(cells[:3])) + "  ")
        text.append_text(status_text(cells[3]))
        text.append(" " * max(0, 11 - len(cells[3])) + cells[4], style="red")
        self._console().print(text, soft_wrap=True)

    def __exit__(self, *exc: object) -> None:
        if self.fmt != "table" or self.follow or exc[0] is not None:
            return
        from rich import box
        from rich.table import Table
        from rich.text import Text

        from s3bo_cli.output.table import status_text

        table = Table(title="Events", box=box.SIMPLE_HEAD, title_justify="left")
        shown = [i for i in range(len(COLUMNS)) if i != 1 or not self.one_job]
        for i in shown:
            table.add_column(COLUMNS[i], **_COLUMN_STYLE.get(COLUMNS[i], {}))
        for cells in self.rows:
            styled: list[str | Text] = [*cells[:3], status_text(cells[3]), cells[4]]
            table.add_row(*(styled[i] for i in shown))
        if not self.rows:
            table.caption = "no events"
        self._console().print(table)


def _pad(cells: tuple[str, ...]) -> list[str]:
    return [cell.ljust(width) for cell, width in zip(cells, (19, 36, 20), strict=True)]


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the exit-time flush stays quiet."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
