"""`s3bo revert JOB_ID`: a new job that puts back what a job changed."""

from __future__ import annotations

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.options import account_id_option, complete_job_ids


@click.command("revert")
@click.argument("job_id", metavar="JOB_ID", shell_complete=complete_job_ids)
@account_id_option
@click.option(
    "--manifest-location",
    metavar="s3://BUCKET/KEY",
    help="Where to write the revert's manifest (default: <report prefix>/job-<id>/"
    "revert-manifest.csv, else next to the job's manifest).",
)
@click.option(
    "--confirmation-required/--no-confirmation-required",
    default=False,
    help="Wait in Suspended for confirmation (default: run at once).",
)
@click.option(
    "--dry-run", is_flag=True, help="Say what would be put back and what refused; create nothing."
)
@click.option(
    "--dry-run-check-limit",
    type=click.IntRange(0),
    default=10_000,
    show_default=True,
    help="With --dry-run: check at most this many objects.",
)
@pass_app
def revert(
    app: AppContext,
    job_id: str,
    account_id: str | None,
    manifest_location: str | None,
    confirmation_required: bool,
    dry_run: bool,
    dry_run_check_limit: int,
) -> None:
    """Put back every object a job changed, as a new local job.

    The revert has its own report, progress and failure threshold, and can
    itself be reverted. Each object gets back the tags, ACL, legal hold or
    retention it had before the job (or, for a copy, its destination's previous
    version or absence). An object changed again since the job is left as it is
    (ObjectChangedSinceJob in the report), as is COMPLIANCE retention that
    cannot be shortened. Jobs run on AWS can be reverted when created with
    `create-job --snapshot`; the revert then runs here, against the same S3.

    \b
    Example:
      s3bo revert 93735294-df46-44d5-8638-6356f335324e --dry-run
      s3bo revert 93735294 && s3bo wait "$(s3bo list-jobs --query 'Jobs[0].JobId' --output text)"
    """
    from s3bo_cli.model.arns import split_s3_uri
    from s3bo_cli.safety.reverting import revert_job
    from s3bo_cli.stores import open_store

    account = app.account_id(account_id)
    result = revert_job(
        app.settings,
        open_store(app.settings),
        account_id=account,
        job_id=app.job_id(job_id, account) if app.settings.backend != "aws" else job_id,
        location=split_s3_uri(manifest_location) if manifest_location else None,
        confirmation_required=confirmation_required,
        dry_run=dry_run,
        check_limit=dry_run_check_limit,
        backend=app.backend if app.settings.backend == "aws" else None,
    )
    app.render(result, operation="RevertDryRun" if dry_run else "CreateJob")
