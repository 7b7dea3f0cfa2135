"""s3bo watch: follow one or many jobs live until they end."""

from __future__ import annotations

import time
from typing import Any

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.options import account_id_option, complete_job_ids
from s3bo_cli.model.statuses import TERMINAL, JobStatus
from s3bo_cli.tracking import Tracker, suspended_hint

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
    """A live table on a terminal; elsewhere a line per job whenever it changes."""

    def __init__(self, app: AppContext, *, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.live: Any = None
        self.hinted: set[str] = set()

    def __enter__(self) -> _Screen:
        if self.app.stdout.isatty():
            from s3bo_cli.output.live import LiveScreen

            self.live = LiveScreen(self.app.stdout, color=self.app.settings.color)
            self.live.__enter__()
        return self

    def show(self, tracker: Tracker) -> None:
        hints = {
            job_id: suspended_hint(job_id)
            for job_id, track in tracker.jobs.items()
            if track.status == "Suspended"
        }
        if self.live is not None:
            from s3bo_cli.output.live import WatchView

            self.live.show(WatchView(tracker, interval=self.interval, hints=hints))
            return
        from s3bo_cli.output.live import line

        for track in tracker.jobs.values():
            if track.changed():
                click.echo(line(track), file=self.app.stdout)
        for job_id, hint in hints.items():
            if job_id not in self.hinted:  # once per job, on stderr, off the table
                self.hinted.add(job_id)
                click.echo(f"s3bo: {hint}", file=self.app.stderr)

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

    On a terminal: a live table with status, progress bar, tasks, share,
    tasks/s, ETA, elapsed time and failure reasons, laid out for its width.
    Piped: a line per job when its status changes and per 10% of its tasks.
    Exits as `s3bo wait` does: 0 all Complete, 1 any Failed, 2 any Cancelled.

    \b
    Example:
      s3bo watch
      s3bo watch "$JOB1" "$JOB2" --interval 2
    """
    account = app.account_id(account_id)
    job_ids = tuple(app.job_id(job_id, account) for job_id in job_ids)
    delay = interval or (5.0 if app.backend.remote else 0.5)
    tracker = Tracker()
    with _Screen(app, interval=delay) as screen:
        while True:
            now = time.monotonic()
            found = list(job_ids) if job_ids else _open_jobs(app, account)
            for job_id in dict.fromkeys([*tracker.pending(), *found]):
                if job_id in tracker.jobs and tracker.jobs[job_id].terminal:
                    continue
                job = app.call("DescribeJob", {"AccountId": account, "JobId": job_id})["Job"]
                tracker.observe(job, now)
            screen.show(tracker)
            if not tracker.pending():
                break
            time.sleep(delay)
    if not tracker.jobs:
        click.echo("s3bo: no jobs to watch: every job has ended", err=True)
    elif screen.live is None:
        click.echo(tracker.summary(), file=app.stdout)
    click.get_current_context().exit(tracker.exit_code())
