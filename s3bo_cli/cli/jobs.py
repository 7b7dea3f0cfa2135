"""create-job, describe-job, list-jobs, update-job-priority, update-job-status."""

from __future__ import annotations

from typing import Any

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.options import (
    REQUIRED,
    AwsCommand,
    ListOption,
    account_id_option,
    aws_input_options,
    check_choices,
    job_id_option,
)
from s3bo_cli.cli.safetyopts import safety_options, safety_settings
from s3bo_cli.errors import UsageError
from s3bo_cli.model.statuses import JobStatus

#: create-job options that take a structure, with the model shape each parses as.
STRUCTURE_OPTIONS = {
    "operation": ("--operation", "Operation", "JobOperation"),
    "report": ("--report", "Report", "JobReport"),
    "manifest": ("--manifest", "Manifest", "JobManifest"),
    "manifest_generator": ("--manifest-generator", "ManifestGenerator", "JobManifestGenerator"),
}
REQUIRED_CREATE = {
    "Operation": "--operation",
    "Report": "--report",
    "Priority": "--priority",
    "RoleArn": "--role-arn",
}


def _complete_statuses(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    return [s.value for s in JobStatus if s.value.startswith(incomplete)]


def build_create_request(
    app: AppContext, options: dict[str, Any], *, cli_input_json: str | None
) -> dict[str, Any]:
    """The CreateJob request from --cli-input-json plus explicit options (which win)."""
    from s3bo_cli.cli import params as p

    explicit: dict[str, Any] = {
        member: p.parse_structure(flag, p.load_value(options[key]), shape)
        for key, (flag, member, shape) in STRUCTURE_OPTIONS.items()
        if options.get(key) is not None
    }
    if options.get("tags"):
        values = tuple(p.load_value(v) for v in options["tags"])
        explicit["Tags"] = p.parse_list("--tags", values, "S3TagSet")
    explicit.update(
        Priority=options.get("priority"),
        RoleArn=options.get("role_arn"),
        Description=options.get("description"),
        ClientRequestToken=options.get("client_request_token"),
        ConfirmationRequired=options.get("confirmation_required"),
        AccountId=options.get("account_id"),
    )
    return app.request(explicit, cli_input_json=cli_input_json, required=REQUIRED_CREATE)


@click.command("create-job", cls=AwsCommand)
@account_id_option
@click.option(
    "--confirmation-required/--no-confirmation-required",
    default=None,
    help="Wait in Suspended for `update-job-status --requested-job-status Ready` "
    "(the service's default when neither is given).",
)
@click.option(
    "--operation", metavar="STRUCTURE", help="JobOperation: JSON, shorthand or file://." + REQUIRED
)
@click.option(
    "--report", metavar="STRUCTURE", help="JobReport: JSON, shorthand or file://." + REQUIRED
)
@click.option(
    "--client-request-token", metavar="TOKEN", help="Idempotency token (default: new UUID)."
)
@click.option("--manifest", metavar="STRUCTURE", help="JobManifest: JSON, shorthand or file://.")
@click.option(
    "--manifest-generator", metavar="STRUCTURE", help="JobManifestGenerator: JSON or file://."
)
@click.option("--description", help="Free text, 1-256 characters.")
@click.option("--priority", type=int, help="0-2147483647; higher runs first." + REQUIRED)
@click.option("--role-arn", metavar="ARN", help="IAM role the job runs as." + REQUIRED)
@click.option("--tags", cls=ListOption, metavar="TAGS", help="Key=k,Value=v ... or JSON list.")
@aws_input_options("CreateJob")
@click.option(
    "--failure-threshold",
    metavar="PERCENT[:MIN_TASKS]|none",
    help="Local engine: fail the job when more than PERCENT of its tasks failed, once "
    "MIN_TASKS ran (default: the service's 50%:1000).",
)
@click.option(
    "--notify-url",
    metavar="URL",
    envvar="S3BO_NOTIFY_URL",
    help="Local engine: POST each status-change event (EventBridge-shaped) to URL, "
    "with retries [env: S3BO_NOTIFY_URL].",
)
@click.option(
    "--data-events",
    is_flag=True,
    envvar="S3BO_DATA_EVENTS",
    help="Local engine: log one CloudTrail data event per task (see `s3bo events "
    "--data-events`) [env: S3BO_DATA_EVENTS].",
)
@safety_options
@click.option(
    "--max-rps",
    type=click.FloatRange(min=0.1),
    envvar="S3BO_MAX_RPS",
    help="Local engine: start at most this many of the job's requests per second, so "
    "that it does not starve a production bucket (or tag s3bo:max-rps) [env: S3BO_MAX_RPS].",
)
@click.option(
    "--no-lint",
    is_flag=True,
    help="Submit a CSV manifest even if `s3bo manifest lint` finds errors in it.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Validate, resolve the manifest, predict failures and estimate the cost; create nothing.",
)
@click.option(
    "--dry-run-check-limit",
    type=click.IntRange(0),
    default=10_000,
    show_default=True,
    help="With --dry-run: HeadObject at most this many objects.",
)
@pass_app
def create_job(
    app: AppContext,
    cli_input_json: str | None,
    failure_threshold: str | None,
    notify_url: str | None,
    data_events: bool,
    no_before_images: bool,
    merge_tags: bool,
    snapshot: bool,
    max_rps: float | None,
    no_lint: bool,
    dry_run: bool,
    dry_run_check_limit: int,
    **options: Any,
) -> None:
    """Create a Batch Operations job.

    \b
    Example:
      s3bo create-job --no-confirmation-required --priority 10 \\
        --role-arn arn:aws:iam::123456789012:role/batch \\
        --operation 'S3PutObjectTagging={TagSet=[{Key=project,Value=blue}]}' \\
        --manifest file://manifest.json \\
        --report Enabled=false
      s3bo create-job ... --dry-run     # what would run, what would fail, what it costs

    The manifest's ETag may be left out: s3bo looks it up (HeadObject).
    """
    from s3bo_cli.backends.preflight import Preflight

    engine = local_job_settings(
        app,
        failure_threshold=failure_threshold,
        notify_url=notify_url,
        data_events=data_events,
        max_rps=max_rps,
    )
    request = build_create_request(app, options, cli_input_json=cli_input_json)
    engine = safety_settings(
        app,
        request,
        engine,
        no_before_images=no_before_images,
        merge_tags=merge_tags,
        snapshot=snapshot,
    )
    preflight = Preflight(
        lint=not no_lint,
        dry_run=dry_run,
        check_limit=dry_run_check_limit,
        merge_tags=merge_tags,
        snapshot=snapshot,
    )
    result = app.create_job(request, preflight, engine=engine)
    app.render(result, operation="CreateJobDryRun" if dry_run else "CreateJob")


def local_job_settings(
    app: AppContext,
    *,
    failure_threshold: str | None,
    notify_url: str | None,
    data_events: bool,
    max_rps: float | None = None,
) -> dict[str, Any] | None:
    """The local engine's own settings for a new job (None when there are none)."""
    engine: dict[str, Any] = {}
    if failure_threshold:
        app.local("--failure-threshold")
        from s3bo_cli.model.threshold import FailureThreshold

        try:
            engine["failure_threshold"] = FailureThreshold.parse(failure_threshold).settings()
        except ValueError as exc:
            raise UsageError(f"--failure-threshold: {exc}") from None
    if notify_url:
        app.local("--notify-url")
        if not notify_url.startswith(("http://", "https://")):
            raise UsageError(f"--notify-url must be an http:// or https:// URL, not {notify_url!r}")
        engine["notify_url"] = notify_url
    if data_events:
        app.local("--data-events")
        engine["data_events"] = True
    if max_rps:
        app.local("--max-rps")
        engine["max_rps"] = max_rps
    return engine or None


@click.command("describe-job", cls=AwsCommand)
@account_id_option
@job_id_option
@aws_input_options("DescribeJob")
@pass_app
def describe_job(
    app: AppContext, account_id: str | None, job_id: str | None, cli_input_json: str | None
) -> None:
    """Show a job: status, progress, failure reasons, manifest and report.

    \b
    Example:
      s3bo describe-job --job-id 93735294-df46-44d5-8638-6356f335324e
      s3bo describe-job --job-id 93735294-... --query Job.Status --output text
    """
    request = app.request(
        {"AccountId": account_id, "JobId": job_id},
        cli_input_json=cli_input_json,
        required={"JobId": "--job-id"},
    )
    app.render(app.call("DescribeJob", request), operation="DescribeJob")


@click.command("list-jobs", cls=AwsCommand)
@account_id_option
@click.option(
    "--job-statuses",
    cls=ListOption,
    metavar="STATUS...",
    shell_complete=_complete_statuses,
    help="Only jobs in these statuses (space separated or JSON list).",
)
@click.option("--next-token", metavar="TOKEN", help="Continue from a previous page.")
@click.option("--max-results", type=int, help="At most this many jobs (0-1000).")
@click.option("--all", "all_pages", is_flag=True, help="Follow NextToken: every page at once.")
@click.option(
    "--all-regions",
    is_flag=True,
    help="Every region (local: every region in the state dir; aws: every enabled region).",
)
@aws_input_options("ListJobs")
@pass_app
def list_jobs(
    app: AppContext,
    account_id: str | None,
    job_statuses: tuple[str, ...],
    next_token: str | None,
    max_results: int | None,
    all_pages: bool,
    all_regions: bool,
    cli_input_json: str | None,
) -> None:
    """List jobs, newest first.

    \b
    Example:
      s3bo list-jobs --job-statuses Active Suspended --max-results 20
      s3bo list-jobs --all-regions --query 'Jobs[].[Region,JobId,Status]' --output text
    """
    statuses = None
    if job_statuses:
        from s3bo_cli.cli import params as p

        statuses = p.parse_list("--job-statuses", job_statuses, "JobStatusList")
    request = app.request(
        {
            "AccountId": account_id,
            "JobStatuses": statuses,
            "NextToken": next_token,
            "MaxResults": max_results,
        },
        cli_input_json=cli_input_json,
        required={},
    )
    check_choices("--job-statuses", request.get("JobStatuses") or [], "JobStatus")
    if all_regions or all_pages:
        from s3bo_cli import validation

        validation.check_client_side("ListJobs", request)
    if all_regions:
        from s3bo_cli.backends.multiregion import list_jobs_all_regions

        result = list_jobs_all_regions(app.backend, request)
    elif all_pages:
        from s3bo_cli.backends.paging import list_all_jobs

        result = list_all_jobs(app.backend, request)
    else:
        result = app.call("ListJobs", request)
    app.render(result, operation="ListJobs")


@click.command("update-job-priority", cls=AwsCommand)
@account_id_option
@job_id_option
@click.option("--priority", type=int, help="0-2147483647; higher runs first." + REQUIRED)
@aws_input_options("UpdateJobPriority")
@pass_app
def update_job_priority(
    app: AppContext,
    account_id: str | None,
    job_id: str | None,
    priority: int | None,
    cli_input_json: str | None,
) -> None:
    """Change a job's priority, even while it runs.

    \b
    Example:
      s3bo update-job-priority --job-id 93735294-... --priority 90
    """
    request = app.request(
        {"AccountId": account_id, "JobId": job_id, "Priority": priority},
        cli_input_json=cli_input_json,
        required={"JobId": "--job-id", "Priority": "--priority"},
    )
    app.render(app.call("UpdateJobPriority", request), operation="UpdateJobPriority")


@click.command("update-job-status", cls=AwsCommand)
@account_id_option
@job_id_option
@click.option(
    "--requested-job-status",
    type=click.Choice(["Cancelled", "Ready"]),
    help="Ready confirms a Suspended job; Cancelled cancels it." + REQUIRED,
)
@click.option("--status-update-reason", metavar="TEXT", help="Why (shown by describe-job).")
@aws_input_options("UpdateJobStatus")
@pass_app
def update_job_status(
    app: AppContext,
    account_id: str | None,
    job_id: str | None,
    requested_job_status: str | None,
    status_update_reason: str | None,
    cli_input_json: str | None,
) -> None:
    """Confirm (Ready) or cancel (Cancelled) a job.

    \b
    Example:
      s3bo update-job-status --job-id 93735294-... --requested-job-status Ready
      s3bo update-job-status --job-id 93735294-... --requested-job-status Cancelled \\
        --status-update-reason "wrong manifest"
    """
    request = app.request(
        {
            "AccountId": account_id,
            "JobId": job_id,
            "RequestedJobStatus": requested_job_status,
            "StatusUpdateReason": status_update_reason,
        },
        cli_input_json=cli_input_json,
        required={"JobId": "--job-id", "RequestedJobStatus": "--requested-job-status"},
    )
    app.render(app.call("UpdateJobStatus", request), operation="UpdateJobStatus")
