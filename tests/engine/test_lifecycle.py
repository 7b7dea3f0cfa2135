"""Jobs run for real on the DirStore: life cycle, tasks, reports, threshold."""

from __future__ import annotations

import csv
import io
import json

from tests.engine.conftest import job_args, put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "project", "Value": "blue"}]}}
REPORT = {
    "Bucket": "arn:aws:s3:::reports",
    "Format": "Report_CSV_20180820",
    "Enabled": True,
    "Prefix": "out",
    "ReportScope": "AllTasks",
}


def describe(s3bo, job_id):
    return s3bo("describe-job", "--job-id", job_id).json["Job"]


def seed(store, keys, bucket="photos"):
    if not store.bucket_exists(bucket):
        store.create_bucket(bucket)
    for key in keys:
        store.put_object(bucket, key, f"data of {key}".encode())


def read_report(store, job_id, prefix="out"):
    manifest = json.loads(
        store.get_object("reports", f"{prefix}/job-{job_id}/manifest.json").read()
    )
    rows = []
    for entry in manifest["Results"]:
        body = store.get_object(entry["Bucket"], entry["Key"]).read().decode()
        rows += [(entry["TaskExecutionStatus"], row) for row in csv.reader(io.StringIO(body))]
    return manifest, rows


def test_tagging_job_runs_to_complete_with_a_report(s3bo, store, run_worker):
    keys = ["a.jpg", "b c.jpg", "dir/ü.jpg"]
    seed(store, keys)
    store.create_bucket("reports")
    manifest = put_manifest(store, [("photos", k) for k in keys] + [("photos", "missing.jpg")])
    job_id = s3bo(*job_args(TAG_OP, manifest, report=REPORT)).json["JobId"]
    assert describe(s3bo, job_id)["Status"] == "New"
    run_worker()
    job = describe(s3bo, job_id)
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 4
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 3
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 1
    assert "TerminationDate" in job
    for key in keys:
        assert store.get_object_tagging("photos", key) == {"project": "blue"}
    manifest_json, rows = read_report(store, job_id)
    assert manifest_json["Format"] == "Report_CSV_20180820"
    assert manifest_json["ReportSchema"] == (
        "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"
    )
    assert {e["TaskExecutionStatus"] for e in manifest_json["Results"]} == {"succeeded", "failed"}
    for entry in manifest_json["Results"]:
        assert entry["Key"].startswith(f"out/job-{job_id}/results/")
        assert len(entry["Key"].rsplit("/", 1)[1]) == len("0" * 40 + ".csv")
    failed = [row for status, row in rows if status == "failed"]
    assert failed == [
        [
            "photos",
            "missing.jpg",
            "",
            "failed",
            "404",
            "NoSuchKey",
            "The specified key does not exist.",
        ]
    ]
    succeeded = sorted(row[1] for status, row in rows if status == "succeeded")
    assert succeeded == ["a.jpg", "b%20c.jpg", "dir/%C3%BC.jpg"]
    assert all(
        row[3:7] == ["succeeded", "200", "", "Successful"] for s, row in rows if s == "succeeded"
    )


def test_failed_tasks_only_report(s3bo, store, run_worker):
    seed(store, ["a"])
    store.create_bucket("reports")
    manifest = put_manifest(store, [("photos", "a"), ("photos", "nope")])
    report = {**REPORT, "ReportScope": "FailedTasksOnly"}
    job_id = s3bo(*job_args(TAG_OP, manifest, report=report)).json["JobId"]
    run_worker()
    manifest_json, rows = read_report(store, job_id)
    assert [e["TaskExecutionStatus"] for e in manifest_json["Results"]] == ["failed"]
    assert [row[1] for _, row in rows] == ["nope"]


def test_confirmation_required_waits_in_suspended(s3bo, store, run_worker):
    seed(store, ["a"])
    manifest = put_manifest(store, [("photos", "a")])
    args = job_args(TAG_OP, manifest)
    args.remove("--no-confirmation-required")
    job_id = s3bo(*args).json["JobId"]
    run_worker()
    job = describe(s3bo, job_id)
    assert job["Status"] == "Suspended"
    assert job["SuspendedDate"] and job["SuspendedCause"]
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 1
    assert store.get_object_tagging("photos", "a") == {}
    run = s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Ready")
    assert run.json == {"JobId": job_id, "Status": "Ready"}
    run_worker()
    assert describe(s3bo, job_id)["Status"] == "Complete"
    assert store.get_object_tagging("photos", "a") == {"project": "blue"}


def test_cancel_a_suspended_job(s3bo, store, run_worker):
    seed(store, ["a"])
    args = job_args(TAG_OP, put_manifest(store, [("photos", "a")]))
    args.remove("--no-confirmation-required")
    job_id = s3bo(*args).json["JobId"]
    run_worker()
    run = s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")
    assert run.json["Status"] == "Cancelled"
    run_worker()
    assert describe(s3bo, job_id)["Status"] == "Cancelled"
    assert store.get_object_tagging("photos", "a") == {}


def test_delete_object_tagging(s3bo, store, run_worker):
    seed(store, ["a"])
    store.put_object_tagging("photos", "a", {"x": "1"})
    job_id = s3bo(*job_args({"S3DeleteObjectTagging": {}}, put_manifest(store, [("photos", "a")])))
    run_worker()
    assert describe(s3bo, job_id.json["JobId"])["Status"] == "Complete"
    assert store.get_object_tagging("photos", "a") == {}


class TestManifestFailures:
    def fail_reason(self, s3bo, run_worker, manifest):
        job_id = s3bo(*job_args(TAG_OP, manifest, "--no-lint")).json["JobId"]
        run_worker()
        job = describe(s3bo, job_id)
        assert job["Status"] == "Failed"
        assert job["ProgressSummary"]["TotalNumberOfTasks"] == 0
        assert len(job["FailureReasons"]) == 1
        return job["FailureReasons"][0]

    def test_missing_manifest(self, s3bo, store, run_worker):
        store.create_bucket("manifests")
        manifest = put_manifest(store, [("photos", "a")])
        manifest["Location"]["ObjectArn"] = "arn:aws:s3:::manifests/nope.csv"
        reason = self.fail_reason(s3bo, run_worker, manifest)
        assert reason["FailureCode"] == "ManifestNotFound"

    def test_etag_mismatch(self, s3bo, store, run_worker):
        manifest = put_manifest(store, [("photos", "a")])
        manifest["Location"]["ETag"] = "0" * 32
        assert self.fail_reason(s3bo, run_worker, manifest)["FailureCode"] == "ManifestETagMismatch"

    def test_quoted_etag_is_accepted(self, s3bo, store, run_worker):
        seed(store, ["a"])
        manifest = put_manifest(store, [("photos", "a")])
        manifest["Location"]["ETag"] = f'"{manifest["Location"]["ETag"]}"'
        job_id = s3bo(*job_args(TAG_OP, manifest)).json["JobId"]
        run_worker()
        assert describe(s3bo, job_id)["Status"] == "Complete"

    def test_header_row(self, s3bo, store, run_worker):
        manifest = put_manifest(store, [("Bucket", "Key"), ("photos", "a")])
        reason = self.fail_reason(s3bo, run_worker, manifest)
        assert reason["FailureCode"] == "ManifestParseError"
        assert "header" in reason["FailureReason"]

    def test_short_line(self, s3bo, store, run_worker):
        store.create_bucket("manifests")
        body = b"photos,a\nphotos\n"
        store.put_object("manifests", "bad.csv", body)
        import hashlib

        manifest = {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {
                "ObjectArn": "arn:aws:s3:::manifests/bad.csv",
                "ETag": hashlib.md5(body).hexdigest(),
            },
        }
        reason = self.fail_reason(s3bo, run_worker, manifest)
        assert reason["FailureCode"] == "ManifestParseError"
        assert "line 2" in reason["FailureReason"]


def test_missing_version_id_fails_only_that_task(s3bo, store, run_worker):
    store.create_bucket("photos", versioning=True)
    version = store.put_object("photos", "a", b"1").version_id
    store.put_object("photos", "b", b"2")
    manifest = put_manifest(store, [("photos", "a", version), ("photos", "b", "")])
    job_id = s3bo(*job_args(TAG_OP, manifest, "--no-lint")).json["JobId"]
    run_worker()
    job = describe(s3bo, job_id)
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 1
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 1


def test_failure_threshold_fails_the_job(s3bo, store, run_worker):
    store.create_bucket("photos")
    store.create_bucket("reports")
    seed(store, [f"k{i}" for i in range(400)])
    rows = [("photos", f"k{i}") for i in range(1200)]  # 800 of 1200 are missing
    job_id = s3bo(*job_args(TAG_OP, put_manifest(store, rows), report=REPORT)).json["JobId"]
    run_worker()
    job = describe(s3bo, job_id)
    assert job["Status"] == "Failed"
    codes = [r["FailureCode"] for r in job["FailureReasons"]]
    assert codes == ["TaskFailureThresholdExceeded"]
    ran = (
        job["ProgressSummary"]["NumberOfTasksSucceeded"]
        + job["ProgressSummary"]["NumberOfTasksFailed"]
    )
    assert ran >= 1000
    manifest_json, _ = read_report(store, job_id)  # a report is written for a failed job
    assert manifest_json["Results"]


def test_below_threshold_minimum_the_job_completes(s3bo, store, run_worker):
    store.create_bucket("photos")
    rows = [("photos", f"missing{i}") for i in range(999)]
    job_id = s3bo(*job_args(TAG_OP, put_manifest(store, rows))).json["JobId"]
    run_worker()
    job = describe(s3bo, job_id)
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 999


def test_report_write_failure_is_recorded(s3bo, store, run_worker):
    seed(store, ["a"])
    manifest = put_manifest(store, [("photos", "a")])
    job_id = s3bo(*job_args(TAG_OP, manifest, report={**REPORT, "Bucket": "arn:aws:s3:::nobucket"}))
    run_worker()
    job = describe(s3bo, job_id.json["JobId"])
    assert job["Status"] == "Complete"
    assert job["FailureReasons"][0]["FailureReason"] == (
        "The job report could not be written to your report bucket. Please check your permissions."
    )


def test_events_for_every_status_change(s3bo, store, run_worker, state_dir):
    seed(store, ["a"])
    job_id = s3bo(*job_args(TAG_OP, put_manifest(store, [("photos", "a")]))).json["JobId"]
    run_worker()
    path = state_dir / "accounts" / "123456789012" / "us-east-1" / "events.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines()]
    mine = [e for e in events if e["serviceEventDetails"]["jobId"] == job_id]
    assert [e["eventName"] for e in mine][:1] == ["JobCreated"]
    assert [e["serviceEventDetails"]["status"] for e in mine] == [
        "New",
        "Preparing",
        "Ready",
        "Active",
        "Completing",
        "Complete",
    ]
