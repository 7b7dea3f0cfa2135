"""s3bo wait: block until a job ends, showing its progress."""

from __future__ import annotations

import time
from typing import Any

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.options import account_id_option, complete_job_ids
from s3bo_cli.errors import ExitCode
from s3bo_cli.model.statuses import EXIT_CODES
from s3bo_cli.tracking import JobTrack, suspended_hint


class _Progress:
    """A live line on a terminal (stderr); elsewhere a line when something changes."""

    def __init__(self, app: AppContext) -> None:
        self.stream = app.stderr
        self.screen: Any = None
        self.hinted = False
        if self.stream.isatty():
            from s3bo_cli.output.live import LiveScreen

            self.screen = LiveScreen(self.stream, color=app.settings.color, transient=True)

    def __enter__(self) -> _Progress:
        if self.screen is not None:
            self.screen.__enter__()
        return self

    def update(self, track: JobTrack) -> None:
        hint = suspended_hint(track.job_id) if track.status == "Suspended" else None
        if self.screen is not None:
            from s3bo_cli.output.live import WaitView

            self.screen.show(WaitView(track, hint))  # the hint stays while it applies
            return
        if track.changed():
            from s3bo_cli.output.live import line

            click.echo(line(track), file=self.stream)
        if hint and not self.hinted:
            click.echo(f"s3bo: {hint}", file=self.stream)
            self.hinted = True

    def finish(self, track: JobTrack) -> None:
        """The clean last line of a job that ended, whatever its status."""
        if self.screen is not None:
            from s3bo_cli.output.live import final_line

            self.screen.__exit__(None, None, None)
            self.screen.print(final_line(track))
            self.screen = None

    def __exit__(self, *exc: object) -> None:
        if self.screen is not None:
            self.screen.__exit__(*exc)


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

    On a terminal: a live line with the bar, tasks done, share, failures,
    tasks/s, ETA and the job's own elapsed time, then how it ended (with the
    failure reason). Piped: a line per change of status and per 10% of the
    tasks. Exits 0 when the job completed, 1 when it failed, 2 when it was
    cancelled and 3 on --timeout; prints the final describe-job result.

    \b
    Example:
      s3bo wait 93735294-df46-44d5-8638-6356f335324e && echo done
      s3bo wait "$JOB" --timeout 600 --output json | jq .Job.ProgressSummary
    """
    job_id = app.job_id(job_id, account_id)
    request = {"AccountId": app.account_id(account_id), "JobId": job_id}
    remote = app.backend.remote
    delay = interval or (2.0 if remote else 0.2)
    deadline = None if timeout is None else time.monotonic() + timeout
    track = JobTrack(job_id)
    with _Progress(app) as progress:
        while True:
            result = app.call("DescribeJob", request)
            track.observe(result["Job"], time.monotonic())
            progress.update(track)
            if track.terminal:
                progress.finish(track)
                break
            if deadline is not None and time.monotonic() >= deadline:
                progress.finish(track)
                message = f"s3bo: timed out waiting for job {job_id} ({track.status})"
                click.echo(message, file=app.stderr)
                click.get_current_context().exit(ExitCode.TIMED_OUT)
            time.sleep(
                delay if deadline is None else max(0.0, min(delay, deadline - time.monotonic()))
            )
            if remote and interval is None:
                delay = min(delay * 1.5, 15.0)
    app.render(result, operation="DescribeJob")
    click.get_current_context().exit(EXIT_CODES[track.status])
