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
    "--max-in-flight",
    type=click.IntRange(1, 4096),
    help="Most task requests in flight on S3 endpoints; the worker starts at half and "
    "adapts to latency and throttling [env: S3BO_MAX_IN_FLIGHT; config: max_in_flight; "
    "default: 512].",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    help="Tasks run at once on the local DirStore [env: S3BO_CONCURRENCY; "
    "config: concurrency; default: 8].",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    help="Processes that run a long job's tasks [env: S3BO_WORKER_PROCESSES; "
    "config: worker_processes; default: the number of CPUs; a DirStore job uses at "
    "most one per 4 of its --concurrency slots].",
)
@click.option(
    "--max-active-jobs",
    type=click.IntRange(1, 64),
    help="Most jobs Active at once; task slots go to higher priorities first, equal "
    "priorities share [env: S3BO_MAX_ACTIVE_JOBS; config: max_active_jobs; default: 4].",
)
@click.option(
    "--status",
    "show_status",
    is_flag=True,
    help="Say whether a worker runs, with its settings, and exit.",
)
@pass_app
def worker(
    app: AppContext,
    burst: bool,
    idle_timeout: float,
    max_in_flight: int | None,
    concurrency: int | None,
    processes: int | None,
    max_active_jobs: int | None,
    show_status: bool,
) -> None:
    """Run local jobs in the foreground (for debugging, scripts and tests).

    s3bo starts a background worker by itself whenever a job needs one (with the
    settings of the command that started it); run this to watch the engine work,
    or set S3BO_NO_AUTOSTART=1 and supervise the worker yourself.

    \b
    Example:
      s3bo worker --burst            # run what is runnable, then exit
      s3bo --debug worker            # serve jobs, logging, until idle
      s3bo worker --status           # is one running, and with which settings
    """
    from s3bo_cli.engine.autostart import running_settings
    from s3bo_cli.engine.notify import default_notifier
    from s3bo_cli.engine.settings import EngineSettings
    from s3bo_cli.engine.worker import Worker, WorkerBusy

    settings = app.settings
    state_dir = settings.state_dir
    limits = EngineSettings(
        concurrency=concurrency or settings.concurrency,
        max_in_flight=max_in_flight or settings.max_in_flight,
        max_active_jobs=max_active_jobs or settings.max_active_jobs,
        idle_timeout=idle_timeout,
        processes=processes or settings.worker_processes,
    )
    if show_status:
        running = running_settings(state_dir)
        if running is None:
            click.echo(f"worker not running for {state_dir}")
            click.echo("a new worker would use:")
            shown = limits.as_dict()
        else:
            pid = running.pop("pid", "?")
            click.echo(f"worker running for {state_dir} (pid {pid})")
            shown = running
        for key, value in shown.items():
            click.echo(f"  {key:<14} {value}")
        return
    engine = Worker(state_dir, settings=limits, notifier=default_notifier())
    try:
        engine.run(burst=burst)
    except WorkerBusy as exc:
        raise WorkerBusyError(str(exc)) from None
