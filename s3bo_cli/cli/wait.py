"""s3bo wait: block until a job ends, with a progress bar."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.options import account_id_option, complete_job_ids

#: Exit codes of `s3bo wait`, for scripts.
WAIT_EXIT = {"Complete": 0, "Failed": 1, "Cancelled": 2}
TIMED_OUT = 3
TERMINAL = frozenset(WAIT_EXIT)


def _line(job: dict[str, Any]) -> str:
    p = job.get("ProgressSummary", {})
    return (
        f"{job['JobId']}  {job['Status']:<10}  "
        f"{p.get('NumberOfTasksSucceeded', 0)} succeeded, {p.get('NumberOfTasksFailed', 0)} failed"
        f" of {p.get('TotalNumberOfTasks', 0)}"
    )


class _Progress:
    """A rich progress bar on a terminal, a line per change elsewhere."""

    def __init__(self, fancy: bool) -> None:
        self.fancy = fancy
        self.last = ""
        self.bar: Any = None

    def __enter__(self) -> _Progress:
        if self.fancy:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                transient=False,
            )
            self.bar.__enter__()
            self.task = self.bar.add_task("waiting", total=None, failed=0)
        return self

    def update(self, job: dict[str, Any]) -> None:
        if self.fancy:
            p = job.get("ProgressSummary", {})
            done = p.get("NumberOfTasksSucceeded", 0) + p.get("NumberOfTasksFailed", 0)
            self.bar.update(
                self.task,
                description=job["Status"],
                total=p.get("TotalNumberOfTasks") or None,
                completed=done,
                failed=p.get("NumberOfTasksFailed", 0),
            )
            return
        line = _line(job)
        if line != self.last:
            click.echo(line, err=True)
            self.last = line

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@click.command("wait")
@click.argument("job_id", shell_complete=complete_job_ids)
@account_id_option
@click.option("--timeout", type=float, help="Give up after this many seconds (exit 3).")
@click.option(
    "--interval",
    type=float,
    help="Seconds between polls (default: 0.2 local, back-off from 2 s on AWS).",
)
@pass_app
def wait(
    app: AppContext,
    job_id: str,
    account_id: str | None,
    timeout: float | None,
    interval: float | None,
) -> None:
    """Wait until JOB_ID is Complete, Failed or Cancelled.

    Exits 0 when the job completed, 1 when it failed, 2 when it was cancelled
    and 3 on --timeout; prints the final describe-job result.

    \b
    Example:
      s3bo wait 93735294-df46-44d5-8638-6356f335324e && echo done
      s3bo wait "$JOB" --timeout 600 --output json | jq .Job.ProgressSummary
    """
    job_id = app.job_id(job_id, account_id)
    request = {"AccountId": app.account_id(account_id), "JobId": job_id}
    aws = app.settings.backend == "aws"
    delay = interval or (2.0 if aws else 0.2)
    deadline = None if timeout is None else time.monotonic() + timeout
    hinted = False
    fancy = sys.stderr.isatty() and app.settings.color
    with _Progress(fancy) as progress:
        while True:
            result = app.call("DescribeJob", request)
            job = result["Job"]
            progress.update(job)
            if job["Status"] in TERMINAL:
                break
            if job["Status"] == "Suspended" and not hinted:
                click.echo(
                    f"s3bo: job {job_id} is Suspended: confirm it with "
                    f"`s3bo update-job-status --job-id {job_id} --requested-job-status Ready`",
                    err=True,
                )
                hinted = True
            if deadline is not None and time.monotonic() >= deadline:
                click.echo(f"s3bo: timed out waiting for job {job_id} ({job['Status']})", err=True)
                click.get_current_context().exit(TIMED_OUT)
            time.sleep(
                delay if deadline is None else max(0.0, min(delay, deadline - time.monotonic()))
            )
            if aws and interval is None:
                delay = min(delay * 1.5, 15.0)
    app.render(result, operation="DescribeJob")
    click.get_current_context().exit(WAIT_EXIT[job["Status"]])
