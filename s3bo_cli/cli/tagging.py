"""get-job-tagging, put-job-tagging, delete-job-tagging."""

from __future__ import annotations

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.options import (
    REQUIRED,
    AwsCommand,
    ListOption,
    account_id_option,
    aws_input_options,
    job_id_option,
)


@click.command("get-job-tagging", cls=AwsCommand)
@account_id_option
@job_id_option
@aws_input_options("GetJobTagging")
@pass_app
def get_job_tagging(
    app: AppContext, account_id: str | None, job_id: str | None, cli_input_json: str | None
) -> None:
    """Show a job's tags.

    \b
    Example:
      s3bo get-job-tagging --job-id 93735294-df46-44d5-8638-6356f335324e
    """
    request = app.request(
        {"AccountId": account_id, "JobId": job_id},
        cli_input_json=cli_input_json,
        required={"JobId": "--job-id"},
    )
    app.render(app.call("GetJobTagging", request), operation="GetJobTagging")


@click.command("put-job-tagging", cls=AwsCommand)
@account_id_option
@job_id_option
@click.option(
    "--tags",
    cls=ListOption,
    metavar="TAGS",
    help="Key=k,Value=v ... or a JSON list; replaces the whole set." + REQUIRED,
)
@aws_input_options("PutJobTagging")
@pass_app
def put_job_tagging(
    app: AppContext,
    account_id: str | None,
    job_id: str | None,
    tags: tuple[str, ...],
    cli_input_json: str | None,
) -> None:
    """Replace a job's tags (at most 50, unique keys).

    \b
    Example:
      s3bo put-job-tagging --job-id 93735294-... --tags Key=team,Value=data Key=env,Value=dev
    """
    from s3bo_cli.cli import params as p

    parsed = (
        p.parse_list("--tags", tuple(p.load_value(t) for t in tags), "S3TagSet") if tags else None
    )
    request = app.request(
        {"AccountId": account_id, "JobId": job_id, "Tags": parsed},
        cli_input_json=cli_input_json,
        required={"JobId": "--job-id", "Tags": "--tags"},
    )
    app.render(app.call("PutJobTagging", request) or None, operation="PutJobTagging")


@click.command("delete-job-tagging", cls=AwsCommand)
@account_id_option
@job_id_option
@aws_input_options("DeleteJobTagging")
@pass_app
def delete_job_tagging(
    app: AppContext, account_id: str | None, job_id: str | None, cli_input_json: str | None
) -> None:
    """Remove every tag from a job.

    \b
    Example:
      s3bo delete-job-tagging --job-id 93735294-df46-44d5-8638-6356f335324e
    """
    request = app.request(
        {"AccountId": account_id, "JobId": job_id},
        cli_input_json=cli_input_json,
        required={"JobId": "--job-id"},
    )
    app.render(app.call("DeleteJobTagging", request) or None, operation="DeleteJobTagging")
