"""The tools on moto's S3: jobs run with --s3-endpoint-url, and --backend aws via s3bo serve."""

from __future__ import annotations

import hashlib
import itertools
import json

import pytest

from tests.backends.conftest import AWS_CLI, served  # noqa: F401 (a fixture)
from tests.engine.conftest import job_args
from tests.tools.conftest import MISSING, PRESENT, TAGGING, describe

_names = itertools.count()


@pytest.fixture
def s3(moto_endpoint):
    """(S3Store on moto, the global options that send s3bo there, a bucket-name suffix)."""
    from s3bo_cli.stores.s3store import S3Store

    store = S3Store(endpoint_url=moto_endpoint, region="us-east-1")
    return store, ("--s3-endpoint-url", moto_endpoint), f"-{next(_names):04d}"


def test_report_and_retry_on_s3(s3bo, s3, mixed_job, run_worker):
    store, options, n = s3
    original = mixed_job(store, *options, suffix=n)
    summary = s3bo(*options, "--output", "json", "report", original).json
    assert summary["ReportLocation"] == f"s3://reports{n}/runs/job-{original}/manifest.json"
    assert summary["ByStatus"] == {"succeeded": 3, "failed": 3}
    assert sorted(summary["Failures"][0]["SampleKeys"]) == sorted(MISSING)

    run = s3bo(*options, "--output", "json", "retry-failed", original)
    assert run.exit_code == 0, run
    retry_id = run.json["JobId"]
    for key in MISSING:
        store.put_object(f"photos{n}", key, b"now here")
    run_worker()
    job = describe(s3bo, retry_id, *options)
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 3
    for key in MISSING + PRESENT:
        assert store.get_object_tagging(f"photos{n}", key) == {"reviewed": "yes"}


def test_make_lint_create_and_run_on_s3(s3bo, s3, run_worker):
    store, options, n = s3
    photos, manifests = f"photos{n}", f"manifests{n}"
    store.create_bucket(photos)
    store.create_bucket(manifests)
    for key in ("a b.jpg", "x+y.jpg", "nü.jpg", "skip.txt"):
        store.put_object(photos, key, b"x")
    target = f"s3://{manifests}/m.csv"
    run = s3bo(
        *options,
        "--output",
        "json",
        "manifest",
        "make",
        f"s3://{photos}",
        "--suffix",
        ".jpg",
        "-o",
        target,
    )
    assert run.exit_code == 0, run
    made = run.json
    assert made["Count"] == 3
    assert made["ETag"] == hashlib.md5(store.get_object(manifests, "m.csv").read()).hexdigest()
    lint = s3bo(*options, "--output", "json", "manifest", "lint", target)
    assert (lint.exit_code, lint.json["Findings"]) == (0, [])
    manifest = json.loads(made["ManifestArgument"])
    job_id = s3bo(*options, *job_args(TAGGING, manifest)).json["JobId"]
    run_worker()
    assert describe(s3bo, job_id, *options)["ProgressSummary"]["NumberOfTasksSucceeded"] == 3
    assert store.get_object_tagging(photos, "x+y.jpg") == {"reviewed": "yes"}


def test_aws_backend_reads_reports_and_writes_retry_manifests_in_s3(
    s3bo,
    s3,
    mixed_job,
    served,  # noqa: F811
):
    store, options, n = s3
    original = mixed_job(store, *options, suffix=n)  # created on the local engine
    env = {**served.env, "NO_PROXY": "127.0.0.1"}
    remote = (*AWS_CLI, *options, "--output", "json")
    summary = s3bo(*remote, "report", original, env=env)
    assert summary.exit_code == 0, summary
    assert summary.json["ByStatus"] == {"succeeded": 3, "failed": 3}
    failed = s3bo(*remote, "report", original, "--failed-keys", "-", env=env)
    assert len(failed.stdout.splitlines()) == 3

    run = s3bo(
        *remote,
        "retry-failed",
        original,
        "--manifest-location",
        f"s3://manifests{n}/retry.csv",
        env=env,
    )
    assert run.exit_code == 0, run
    job = describe(s3bo, run.json["JobId"])
    body = store.get_object(f"manifests{n}", "retry.csv").read()
    assert job["Manifest"]["Location"]["ETag"] == hashlib.md5(body).hexdigest()
    assert len(body.splitlines()) == 3
