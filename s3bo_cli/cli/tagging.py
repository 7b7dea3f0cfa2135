"""get-job-tagging, put-job-tagging, delete-job-tagging."""

from __future__ import annotations

import click

from s3bo_cli.cli.context import AppContext
from s3bo_cli.cli.options import AwsCommand, ListOption, account_id_option, job_id_option

pass_app = click.make_pass_decorator(AppContext)


@click.command("get-job-tagging", cls=AwsCommand)
@account_id_option
@job_id_option
@pass_app
def get_job_tagging(app: AppContext, account_id: str | None, job_id: str) -> None:
    """Show a job's tags.

    \b
    Example:
      s3bo get-job-tagging --job-id 93735294-df46-44d5-8638-6356f335324e
    """
    request = {"AccountId": app.account_id(account_id), "JobId": job_id}
    app.render(app.call("GetJobTagging", request), operation="GetJobTagging")


@click.command("put-job-tagging", cls=AwsCommand)
@account_id_option
@job_id_option
@click.option(
    "--tags",
    cls=ListOption,
    required=True,
    metavar="TAGS",
    help="Key=k,Value=v ... or a JSON list; replaces the whole set.",
)
@pass_app
def put_job_tagging(
    app: AppContext, account_id: str | None, job_id: str, tags: tuple[str, ...]
) -> None:
    """Replace a job's tags (at most 50, unique keys).

    \b
    Example:
      s3bo put-job-tagging --job-id 93735294-... --tags Key=team,Value=data Key=env,Value=dev
    """
    from s3bo_cli.cli import params as p

    request = {
        "AccountId": app.account_id(account_id),
        "JobId": job_id,
        "Tags": p.parse_list("--tags", tuple(p.load_value(t) for t in tags), "S3TagSet"),
    }
    app.render(app.call("PutJobTagging", request) or None, operation="PutJobTagging")


@click.command("delete-job-tagging", cls=AwsCommand)
@account_id_option
@job_id_option
@pass_app
def delete_job_tagging(app: AppContext, account_id: str | None, job_id: str) -> None:
    """Remove every tag from a job.

    \b
    Example:
      s3bo delete-job-tagging --job-id 93735294-df46-44d5-8638-6356f335324e
    """
    request = {"AccountId": app.account_id(account_id), "JobId": job_id}
    app.render(app.call("DeleteJobTagging", request) or None, operation="DeleteJobTagging")
