"""s3bo pause / resume: hold a local job and let it go again (local engine only)."""

from __future__ import annotations

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.options import account_id_option, complete_job_ids


def _control(app: AppContext, action: str, job_id: str, account_id: str | None) -> None:
    local = app.local(f"s3bo {action}")  # AWS has no API to pause a job
    account = app.account_id(account_id)
    job_id = app.job_id(job_id, account)
    result = local.pause(account, job_id) if action == "pause" else local.resume(account, job_id)
    app.render(result, operation="PauseJob" if action == "pause" else "ResumeJob")


@click.command("pause")
@click.argument("job_id", shell_complete=complete_job_ids)
@account_id_option
@pass_app
def pause(app: AppContext, job_id: str, account_id: str | None) -> None:
    """Hold a Ready or running job (local engine only; AWS cannot pause jobs).

    A running job finishes the tasks in flight and goes Pausing, then Paused;
    it is not scheduled again until `s3bo resume`.

    \b
    Example:
      s3bo pause 93735294-df46-44d5-8638-6356f335324e
    """
    _control(app, "pause", job_id, account_id)


@click.command("resume")
@click.argument("job_id", shell_complete=complete_job_ids)
@account_id_option
@pass_app
def resume(app: AppContext, job_id: str, account_id: str | None) -> None:
    """Let a job held by `s3bo pause` run again (local engine only).

    \b
    Example:
      s3bo resume 93735294-df46-44d5-8638-6356f335324e
    """
    _control(app, "resume", job_id, account_id)
