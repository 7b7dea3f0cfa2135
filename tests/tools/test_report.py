"""`s3bo report`: summary, failed keys as a manifest, and the errors on the way there."""

from __future__ import annotations

import pytest

from tests.engine.conftest import job_args, put_manifest
from tests.tools.conftest import MISSING, PRESENT, TAGGING, describe, report_rows, report_spec

FAILED_LINES = ["photos,gone%201.jpg", "photos,gone%2B2.jpg", "photos,n%C3%BC/%C3%9F.jpg"]


def test_summary_counts_groups_and_location(s3bo, store, mixed_job):
    job_id = mixed_job(store)
    run = s3bo("--output", "json", "report", job_id)
    assert run.exit_code == 0, run
    summary = run.json
    assert summary["JobId"] == job_id
    assert summary["JobStatus"] == "Complete"
    assert summary["ReportLocation"] == f"s3://reports/runs/job-{job_id}/manifest.json"
    assert summary["ReportScope"] == "AllTasks"
    assert summary["Total"] == 6
    assert summary["ByStatus"] == {"succeeded": 3, "failed": 3}
    [failure] = summary["Failures"]
    assert failure["ErrorCode"] == "NoSuchKey"
    assert failure["HTTPStatusCode"] == 404
    assert failure["Count"] == 3
    assert sorted(failure["SampleKeys"]) == sorted(MISSING)  # decoded
    assert failure["SampleMessage"] == "The specified key does not exist."


def test_failure_groups_are_by_code_and_status_largest_first(s3bo, store, run_worker):
    for bucket in ("photos", "reports"):
        store.create_bucket(bucket)
    store.put_object("photos", "ok", b"x")
    rows = [("photos", "ok"), ("photos", "a"), ("photos", "b"), ("nobucket", "c")]
    manifest = put_manifest(store, rows)
    job_id = s3bo(*job_args(TAGGING, manifest, report=report_spec())).json["JobId"]
    run_worker()
    run = s3bo("--output", "json", "report", job_id, "--samples", "1")
    groups = [(f["ErrorCode"], f["HTTPStatusCode"], f["Count"]) for f in run.json["Failures"]]
    assert groups == [("NoSuchKey", 404, 2), ("NoSuchBucket", 404, 1)]
    assert [len(f["SampleKeys"]) for f in run.json["Failures"]] == [1, 1]


def test_failed_keys_file_is_a_manifest_with_keys_as_in_the_report(
    s3bo, store, mixed_job, tmp_path
):
    job_id = mixed_job(store)
    out = tmp_path / "failed.csv"
    run = s3bo("--output", "json", "report", job_id, "--failed-keys", str(out))
    assert run.exit_code == 0, run
    assert run.json["ByStatus"]["failed"] == 3
    assert sorted(out.read_text().splitlines()) == FAILED_LINES
    reported = [",".join(r.split(",")[:2]) for r in report_rows(store, "reports", job_id)]
    assert set(FAILED_LINES) <= set(reported)  # byte for byte as the report has them
    lint = s3bo("--output", "json", "manifest", "lint", str(out))
    assert (lint.exit_code, lint.json["Errors"]) == (0, 0)


def test_failed_keys_to_stdout_prints_only_the_manifest(s3bo, store, mixed_job):
    job_id = mixed_job(store)
    run = s3bo("report", job_id, "--failed-keys", "-")
    assert run.exit_code == 0, run
    assert sorted(run.stdout.splitlines()) == FAILED_LINES


def test_failed_keys_keep_version_ids(s3bo, store, run_worker):
    store.create_bucket("vers", versioning=True)
    store.create_bucket("reports")
    version = store.put_object("vers", "a", b"x").version_id
    manifest = put_manifest(store, [("vers", "a", version), ("vers", "a", "nosuchversion")])
    job_id = s3bo(*job_args(TAGGING, manifest, report=report_spec())).json["JobId"]
    run_worker()
    run = s3bo("report", job_id, "--failed-keys", "-")
    assert run.stdout.splitlines() == ["vers,a,nosuchversion"]


def test_table_and_text_output(s3bo, store, mixed_job):
    job_id = mixed_job(store)
    table = s3bo("--output", "table", "report", job_id)
    assert table.exit_code == 0, table
    assert "NoSuchKey" in table.stdout and "gone 1.jpg" in table.stdout
    text = s3bo("--output", "text", "--query", "ByStatus.failed", "report", job_id)
    assert text.stdout.strip() == "3"


def test_failed_tasks_only_report(s3bo, store, run_worker):
    for bucket in ("photos", "reports"):
        store.create_bucket(bucket)
    store.put_object("photos", "ok", b"x")
    manifest = put_manifest(store, [("photos", "ok"), ("photos", "missing")])
    report = report_spec(prefix=None, ReportScope="FailedTasksOnly")
    job_id = s3bo(*job_args(TAGGING, manifest, report=report)).json["JobId"]
    run_worker()
    summary = s3bo("--output", "json", "report", job_id).json
    assert summary["ReportLocation"] == f"s3://reports/job-{job_id}/manifest.json"
    assert (summary["ReportScope"], summary["ByStatus"]) == ("FailedTasksOnly", {"failed": 1})


def test_all_succeeded_has_no_failures(s3bo, store, run_worker):
    for bucket in ("photos", "reports"):
        store.create_bucket(bucket)
    for key in PRESENT:
        store.put_object("photos", key, b"x")
    manifest = put_manifest(store, [("photos", key) for key in PRESENT])
    job_id = s3bo(*job_args(TAGGING, manifest, report=report_spec())).json["JobId"]
    run_worker()
    summary = s3bo("--output", "json", "report", job_id).json
    assert (summary["Total"], summary["Failures"]) == (3, [])


def _one_line_error(run, *needles: str) -> None:
    assert run.exit_code == 254, run
    assert run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    for needle in needles:
        assert needle in run.stderr


def test_no_report_configured(s3bo, store, run_worker):
    store.create_bucket("photos")
    manifest = put_manifest(store, [("photos", "a")])
    job_id = s3bo(*job_args(TAGGING, manifest)).json["JobId"]
    _one_line_error(s3bo("report", job_id), "has no completion report")


def test_report_not_written_yet(s3bo, store):
    store.create_bucket("photos")
    manifest = put_manifest(store, [("photos", "a")])
    job_id = s3bo(*job_args(TAGGING, manifest, report=report_spec())).json["JobId"]
    run = s3bo("report", job_id)  # no worker has run: the job is still New
    _one_line_error(run, "is New", "when the job ends", f"s3bo wait {job_id}")


def test_report_missing(s3bo, store, mixed_job):
    job_id = mixed_job(store)
    store.delete_object("reports", f"runs/job-{job_id}/manifest.json")
    _one_line_error(s3bo("report", job_id), "no completion report at s3://reports/runs/")


def test_job_that_failed_in_preparing_has_no_report(s3bo, store, run_worker):
    store.create_bucket("reports")
    manifest = put_manifest(store, [("photos", "a")])
    manifest["Location"]["ETag"] = "0" * 32  # ETag mismatch: fails before any task
    job_id = s3bo(*job_args(TAGGING, manifest, report=report_spec())).json["JobId"]
    run_worker()
    assert describe(s3bo, job_id)["Status"] == "Failed"
    _one_line_error(s3bo("report", job_id), "no completion report", "FailureReasons")


def test_unknown_job(s3bo):
    run = s3bo("report", "00000000-0000-0000-0000-000000000000")
    assert run.exit_code == 254
    assert "NotFoundException" in run.stderr


@pytest.mark.parametrize("name", ["report", "retry-failed", "manifest"])
def test_help_has_an_example(s3bo, name):
    run = s3bo(name, "--help")
    assert run.exit_code == 0 and "Example" in run.stdout
