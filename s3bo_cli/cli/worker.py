"""s3bo worker: run the local engine's jobs in this process."""

from __future__ import annotations

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.errors import S3boError


class WorkerBusyError(S3boError):
    """Another worker already serves the state directory."""


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run everything runnable now, then exit.")
@click.option(
    "--idle-timeout",
    type=float,
    default=2.0,
    show_default=True,
    help="Exit after this many seconds with nothing to do.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    envvar="S3BO_CONCURRENCY",
    help="Tasks run at once [env: S3BO_CONCURRENCY].",
)
@click.option("--status", "show_status", is_flag=True, help="Say whether a worker runs, and exit.")
@pass_app
def worker(
    app: AppContext, burst: bool, idle_timeout: float, concurrency: int, show_status: bool
) -> None:
    """Run local jobs in the foreground (for debugging, scripts and tests).

    s3bo starts a background worker by itself whenever a job needs one; run
    this to watch the engine work, or set S3BO_NO_AUTOSTART=1 and supervise
    the worker yourself.

    \b
    Example:
      s3bo worker --burst            # run what is runnable, then exit
      s3bo --debug worker            # serve jobs, logging, until idle
    """
    from s3bo_cli.engine.autostart import worker_running
    from s3bo_cli.engine.runner import RunLimits
    from s3bo_cli.engine.worker import Worker, WorkerBusy

    state_dir = app.settings.state_dir
    if show_status:
        running = worker_running(state_dir)
        click.echo(f"worker {'running' if running else 'not running'} for {state_dir}")
        return
    engine = Worker(state_dir, limits=RunLimits(concurrency=concurrency), idle_timeout=idle_timeout)
    try:
        engine.run(burst=burst)
    except WorkerBusy as exc:
        raise WorkerBusyError(str(exc)) from None
