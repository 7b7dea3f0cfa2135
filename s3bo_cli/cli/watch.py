"""s3bo watch: follow one or many jobs live until they end."""

from __future__ import annotations

import time
from typing import Any

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.options import account_id_option, complete_job_ids
from s3bo_cli.engine.states import JobStatus
from s3bo_cli.watchview import TERMINAL, Tracker, line

#: ListJobs filter for jobs that have not ended.
OPEN_STATUSES = [s.value for s in JobStatus if s.value not in TERMINAL]


def _open_jobs(app: AppContext, account: str) -> list[str]:
    """Ids of every job not in a terminal status, all ListJobs pages."""
    ids: list[str] = []
    request: dict[str, Any] = {"AccountId": account, "JobStatuses": OPEN_STATUSES}
    while True:
        page = app.call("ListJobs", request)
        ids += [job["JobId"] for job in page.get("Jobs", [])]
        if not page.get("NextToken"):
            return ids
        request["NextToken"] = page["NextToken"]


class _Screen:
    """A rich live table on a terminal; elsewhere a line per job whenever it changes."""

    def __init__(self, app: AppContext, *, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.live: Any = None

    def __enter__(self) -> _Screen:
        if self.app.stdout.isatty():
            from rich.console import Console
            from rich.live import Live

            console = Console(
                file=self.app.stdout,
                color_system="auto" if self.app.settings.color else None,
                highlight=False,
            )
            self.live = Live(console=console, auto_refresh=False, transient=False)
            self.live.__enter__()
        return self

    def show(self, tracker: Tracker) -> None:
        if self.live is not None:
            from s3bo_cli.watchview import view

            self.live.update(view(tracker, interval=self.interval), refresh=True)
            return
        for track in tracker.jobs.values():
            if track.changed():
                click.echo(line(track), file=self.app.stdout)

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)


@click.command("watch")
@click.argument("job_ids", nargs=-1, metavar="[JOB_ID]...", shell_complete=complete_job_ids)
@account_id_option
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01),
    help="Seconds between polls (default: 0.5 local, 5 on AWS).",
)
@pass_app
def watch(
    app: AppContext, job_ids: tuple[str, ...], account_id: str | None, interval: float | None
) -> None:
    """Watch jobs live until every one has ended (default: all jobs not yet ended).

    On a terminal: a live table with status, progress bar, tasks/s, ETA and
    failure reasons. Piped: one line per job whenever it changes. Exits as
    `s3bo wait` does: 0 all Complete, 1 any Failed, 2 any Cancelled.

    \b
    Example:
      s3bo watch
      s3bo watch "$JOB1" "$JOB2" --interval 2
    """
    account = app.account_id(account_id)
    job_ids = tuple(app.job_id(job_id, account) for job_id in job_ids)
    delay = interval or (5.0 if app.settings.backend == "aws" else 0.5)
    tracker = Tracker()
    hinted: set[str] = set()
    with _Screen(app, interval=delay) as screen:
        while True:
            now = time.monotonic()
            found = list(job_ids) if job_ids else _open_jobs(app, account)
            for job_id in dict.fromkeys([*tracker.pending(), *found]):
                if job_id in tracker.jobs and tracker.jobs[job_id].terminal:
                    continue
                job = app.call("DescribeJob", {"AccountId": account, "JobId": job_id})["Job"]
                track = tracker.observe(job, now)
                if track.status == "Suspended" and job_id not in hinted:
                    hinted.add(job_id)
                    click.echo(
                        f"s3bo: job {job_id} is Suspended: confirm it with `s3bo update-job-status "
                        f"--job-id {job_id} --requested-job-status Ready`",
                        err=True,
                    )
            screen.show(tracker)
            if not tracker.pending():
                break
            time.sleep(delay)
    if not tracker.jobs:
        click.echo("s3bo: no jobs to watch: every job has ended", err=True)
    elif screen.live is None:
        click.echo(tracker.summary(), file=app.stdout)
    click.get_current_context().exit(tracker.exit_code())
