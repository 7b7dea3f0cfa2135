"""`s3bo report JOB_ID`: a job's completion report, summarised."""

from __future__ import annotations

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.options import account_id_option, complete_job_ids
from s3bo_cli.cli.shellcomplete import complete_files


@click.command("report")
@click.argument("job_id", metavar="JOB_ID", shell_complete=complete_job_ids)
@account_id_option
@click.option(
    "--failed-keys",
    metavar="FILE|-",
    shell_complete=complete_files,
    help="Also write the failed tasks as a CSV manifest (Bucket,Key[,VersionId], keys "
    "URL-encoded as in the report). With '-' the manifest goes to stdout instead of "
    "the summary.",
)
@click.option("--samples", default=3, show_default=True, help="Sample keys per failure group.")
@pass_app
def report(
    app: AppContext, job_id: str, account_id: str | None, failed_keys: str | None, samples: int
) -> None:
    """Summarise a job's completion report: tasks by status, failures by error.

    Reads <prefix>/job-<id>/manifest.json in the report bucket and streams the
    result files it lists (from the local store, or S3 with --backend aws).
    Pass the --s3-endpoint-url the job was created with.

    \b
    Example:
      s3bo report 93735294-df46-44d5-8638-6356f335324e
      s3bo --query Failures report 93735294-... --failed-keys failed.csv
    """
    from s3bo_cli.stores import open_store
    from s3bo_cli.tools.reportsummary import summarize
    from s3bo_cli.tools.retry import FailedTasks

    job_id = app.job_id(job_id, account_id)
    request = {"AccountId": app.account_id(account_id), "JobId": job_id}
    job = app.call("DescribeJob", request)["Job"]
    store = open_store(app.settings)
    with FailedTasks() as failed:
        summary = summarize(store, job, on_failed=failed if failed_keys else None, samples=samples)
        if failed_keys:
            with click.open_file(failed_keys, "wb") as out:
                failed.write_to(out)
    if failed_keys != "-":
        app.render(summary, operation="JobReport")
