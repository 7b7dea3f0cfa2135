"""s3bo quickstart: a complete local job in one command, for newcomers."""

from __future__ import annotations

import hashlib
import time

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.model.statuses import TERMINAL

DATA, MANIFESTS, REPORTS = "demo-photos", "demo-manifests", "demo-reports"
#: Manifest keys left without an object, so that the report shows failed tasks.
PLANTED_MISSING = 2


@click.command("quickstart")
@click.option(
    "--objects",
    type=click.IntRange(3, 100_000),
    default=25,
    show_default=True,
    help=f"Tasks in the demo job: as many keys in its manifest, {PLANTED_MISSING} of them "
    "missing on purpose.",
)
@pass_app
def quickstart(app: AppContext, objects: int) -> None:
    """Create demo objects, tag them all with a local job, and show the result.

    The manifest also lists two keys that do not exist, on purpose: their
    tasks fail, as a missing object does on AWS, so that `s3bo report` has
    failures to show. Everything lives in the state directory (objects under its buckets/
    folder), so you can look at the files, the tags and the completion report
    with ordinary tools afterwards.

    \b
    Example:
      s3bo quickstart
      s3bo --state-dir /tmp/s3bo-demo quickstart --objects 1000
    """
    local = app.local("quickstart")
    from s3bo_cli.stores import open_store

    store = open_store(app.settings)
    for bucket in (DATA, MANIFESTS, REPORTS):
        if not store.bucket_exists(bucket):
            store.create_bucket(bucket)
    keys = [f"photos/img-{i:05d}.jpg" for i in range(objects - PLANTED_MISSING)]
    for key in keys:
        store.put_object(DATA, key, f"pixels of {key}\n".encode())
    missing = [f"photos/missing-{n}.jpg" for n in range(1, PLANTED_MISSING + 1)]
    rows = [f"{DATA},{key}" for key in [*keys, *missing]]
    body = ("\n".join(rows) + "\n").encode()
    store.put_object(MANIFESTS, "quickstart.csv", body)
    manifest = {
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
        "Location": {
            "ObjectArn": f"arn:aws:s3:::{MANIFESTS}/quickstart.csv",
            "ETag": hashlib.md5(body).hexdigest(),
        },
    }
    request = {
        "AccountId": app.account_id(),
        "ConfirmationRequired": False,
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "reviewed", "Value": "yes"}]}},
        "Manifest": manifest,
        "Report": {
            "Bucket": f"arn:aws:s3:::{REPORTS}",
            "Format": "Report_CSV_20180820",
            "Enabled": True,
            "Prefix": "quickstart",
            "ReportScope": "AllTasks",
        },
        "Priority": 10,
        "RoleArn": f"arn:aws:iam::{app.account_id()}:role/s3bo-quickstart",
        "Description": "s3bo quickstart: tag demo photos",
    }
    job_id = app.call("CreateJob", request)["JobId"]
    click.echo(
        f"created {len(keys)} demo objects in s3://{DATA}/photos/ and a manifest of "
        f"{objects} keys: {PLANTED_MISSING} of them do not exist, on purpose, so that their "
        "tasks fail and the report shows why",
        err=True,
    )
    click.echo(f"created job {job_id}; running it ...", err=True)
    local.run_burst()  # else a background worker already has the job: wait for it
    _wait(app, job_id)
    result = app.call("DescribeJob", {"AccountId": request["AccountId"], "JobId": job_id})
    app.render(result, operation="DescribeJob")
    folder = app.settings.buckets_dir / REPORTS / "quickstart" / f"job-{job_id}"
    summary = result["Job"].get("ProgressSummary") or {}
    click.echo(
        "\n".join(
            [
                "",
                f"tasks:    {summary.get('TotalNumberOfTasks', 0)}: "
                f"{summary.get('NumberOfTasksSucceeded', 0)} tagged, "
                f"{summary.get('NumberOfTasksFailed', 0)} failed (the missing keys, on purpose)",
                f"objects:  {app.settings.buckets_dir / DATA}",
                f"report:   {folder / 'manifest.json'}",
                f"next:     s3bo report {job_id}      # the failures, by error",
                "          s3bo list-jobs",
                f"          s3bo describe-job --job-id {job_id}",
                f"          s3bo store head s3://{DATA}/{keys[0]}",
            ]
        ),
        err=True,
    )


def _wait(app: AppContext, job_id: str) -> None:
    """Until the job ends (here, or in the background worker that had it)."""
    request = {"AccountId": app.account_id(), "JobId": job_id}
    while app.call("DescribeJob", request)["Job"]["Status"] not in TERMINAL:
        time.sleep(0.2)
