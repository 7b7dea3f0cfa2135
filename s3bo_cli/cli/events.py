"""s3bo events: the local engine's CloudTrail-shaped job events, printed or followed."""

from __future__ import annotations

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
    from s3bo_cli.model.statuses import TERMINAL

    local = app.local("s3bo events")  # the local engine's event log
    start = _parse_since(since)
    account = app.account_id(account_id)
    if job_id is not None:
        job_id = app.job_id(job_id, account)
        local.job_status(account, job_id)  # NotFoundException for an unknown job
    log = local.event_log(account, data_events=data_events)
    from s3bo_cli.output import resolve_format
    from s3bo_cli.output.events import EventPrinter

    output = app.settings.output or ("json" if eventbridge else None)
    printer = EventPrinter(
        app.stdout,
        fmt=resolve_format(output, is_tty=app.stdout.isatty()),
        follow=follow,
        one_job=job_id is not None,
        color=app.settings.color,
        envelope=events.eventbridge if eventbridge else None,
    )

    def wanted(batch: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for event in batch:
            if job_id is not None and events.job_id_of(event) != job_id:
                continue
            if start is not None and _time(event) < start:
                continue
            yield event

    def job_ended() -> bool:
        return job_id is not None and local.job_status(account, job_id) in TERMINAL

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
        from s3bo_cli.output import silence_stdout

        silence_stdout(sys.stdout)


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
