"""`s3bo retry-failed JOB_ID`: a new job over the tasks a job's report lists as failed."""

from __future__ import annotations

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.options import account_id_option, complete_job_ids


@click.command("retry-failed")
@click.argument("job_id", metavar="JOB_ID", shell_complete=complete_job_ids)
@account_id_option
@click.option(
    "--manifest-location",
    metavar="s3://BUCKET/KEY",
    help="Where to write the retry manifest "
    "(default: <report prefix>/job-<id>/retry-manifest.csv in the report bucket).",
)
@click.option(
    "--confirmation-required/--no-confirmation-required",
    default=None,
    help="Wait in Suspended for confirmation (default: as the original job).",
)
@click.option("--dry-run", is_flag=True, help="Print the CreateJob request; write nothing.")
@pass_app
def retry_failed(
    app: AppContext,
    job_id: str,
    account_id: str | None,
    manifest_location: str | None,
    confirmation_required: bool | None,
    dry_run: bool,
) -> None:
    """Retry the failed tasks of an ended job as a new job.

    The new job has the original's operation, report, role and priority, the
    tag s3bo:retry-of=JOB_ID plus the original's tags, and a manifest of the
    failed tasks (keys exactly as in the report). Prints the CreateJob result.

    \b
    Example:
      s3bo retry-failed 93735294-df46-44d5-8638-6356f335324e --no-confirmation-required
      s3bo --query CreateJobRequest.Manifest retry-failed 93735294-... --dry-run
    """
    from s3bo_cli.model.arns import split_s3_uri
    from s3bo_cli.stores import open_store
    from s3bo_cli.tools.retry import prepare

    account = app.account_id(account_id)
    job_id = app.job_id(job_id, account)
    location = split_s3_uri(manifest_location) if manifest_location else None
    job = app.call("DescribeJob", {"AccountId": account, "JobId": job_id})["Job"]
    tags = app.call("GetJobTagging", {"AccountId": account, "JobId": job_id}).get("Tags", [])
    request, failed = prepare(
        open_store(app.settings),
        job,
        account_id=account,
        tags=tags,
        location=location,
        confirmation_required=confirmation_required,
        upload=not dry_run,
    )
    if request is None:
        click.echo(f"No failed tasks in the report of job {job_id}: nothing to retry.", err=True)
    elif dry_run:
        result = {"DryRun": True, "FailedTasks": failed, "CreateJobRequest": request}
        app.render(result, operation="RetryFailedDryRun")
    else:
        app.render(app.call("CreateJob", request), operation="CreateJob")
