"""`s3bo retry-failed`: a new job over the failed tasks, end to end on the DirStore."""

from __future__ import annotations

import hashlib

from tests.engine.conftest import job_args, put_manifest
from tests.tools.conftest import MISSING, PRESENT, TAGGING, describe, report_spec


def _tags(s3bo, job_id: str) -> list[dict]:
    return s3bo("--output", "json", "get-job-tagging", "--job-id", job_id).json["Tags"]


def test_retry_job_copies_the_original_and_succeeds_once_objects_exist(
    s3bo, store, mixed_job, run_worker
):
    original = mixed_job(store, extra=("--tags", "Key=team,Value=data", "--priority", "42"))
    run = s3bo("--output", "json", "retry-failed", original)
    assert run.exit_code == 0, run
    retry_id = run.json["JobId"]
    old, new = describe(s3bo, original), describe(s3bo, retry_id)
    for member in ("Operation", "Report", "RoleArn", "Priority", "ConfirmationRequired"):
        assert new[member] == old[member], member
    assert new["Priority"] == 42
    assert new["ConfirmationRequired"] is False  # as the original
    key = f"runs/job-{original}/retry-manifest.csv"
    location = new["Manifest"]["Location"]
    assert location["ObjectArn"] == f"arn:aws:s3:::reports/{key}"
    body = store.get_object("reports", key).read()
    assert location["ETag"] == hashlib.md5(body).hexdigest()
    assert new["Manifest"]["Spec"]["Fields"] == ["Bucket", "Key"]
    assert sorted(body.decode().splitlines()) == [
        "photos,gone%201.jpg",
        "photos,gone%2B2.jpg",
        "photos,n%C3%BC/%C3%9F.jpg",
    ]
    assert _tags(s3bo, retry_id) == [
        {"Key": "s3bo:retry-of", "Value": original},
        {"Key": "team", "Value": "data"},
    ]
    assert original in new["Description"]

    for key in MISSING:
        store.put_object("photos", key, b"now here")
    run_worker()
    done = describe(s3bo, retry_id)
    assert done["Status"] == "Complete"
    assert done["ProgressSummary"]["NumberOfTasksSucceeded"] == 3
    assert done["ProgressSummary"]["NumberOfTasksFailed"] == 0
    for key in MISSING + PRESENT:
        assert store.get_object_tagging("photos", key) == {"reviewed": "yes"}
    summary = s3bo("--output", "json", "report", retry_id).json
    assert summary["ByStatus"] == {"succeeded": 3}


def test_confirmation_flag_overrides_the_original(s3bo, store, mixed_job, run_worker):
    original = mixed_job(store)
    retry_id = s3bo("retry-failed", original, "--confirmation-required").json["JobId"]
    run_worker()
    job = describe(s3bo, retry_id)
    assert (job["ConfirmationRequired"], job["Status"]) == (True, "Suspended")


def test_manifest_location_option(s3bo, store, mixed_job):
    original = mixed_job(store)
    run = s3bo("retry-failed", original, "--manifest-location", "s3://manifests/retry/m.csv")
    assert run.exit_code == 0, run
    job = describe(s3bo, run.json["JobId"])
    assert job["Manifest"]["Location"]["ObjectArn"] == "arn:aws:s3:::manifests/retry/m.csv"
    assert len(store.get_object("manifests", "retry/m.csv").read().splitlines()) == 3


def test_bad_manifest_location_is_a_usage_error(s3bo, store, mixed_job):
    original = mixed_job(store)
    run = s3bo("retry-failed", original, "--manifest-location", "manifests/m.csv")
    assert run.exit_code == 252
    assert "s3://BUCKET/KEY" in run.stderr


def test_dry_run_writes_and_creates_nothing(s3bo, store, mixed_job):
    original = mixed_job(store)
    run = s3bo("--output", "json", "retry-failed", original, "--dry-run")
    assert run.exit_code == 0, run
    assert run.json["DryRun"] is True
    assert run.json["FailedTasks"] == 3
    request = run.json["CreateJobRequest"]
    assert request["Operation"] == TAGGING
    assert request["Tags"][0] == {"Key": "s3bo:retry-of", "Value": original}
    written = [item.key for item in store.list_objects("reports")]
    assert not [key for key in written if key.endswith("retry-manifest.csv")]
    assert len(s3bo("--output", "json", "list-jobs").json["Jobs"]) == 1


def test_no_failed_tasks_creates_no_job(s3bo, store, run_worker):
    for bucket in ("photos", "reports"):
        store.create_bucket(bucket)
    store.put_object("photos", "a", b"x")
    manifest = put_manifest(store, [("photos", "a")])
    job_id = s3bo(*job_args(TAGGING, manifest, report=report_spec())).json["JobId"]
    run_worker()
    run = s3bo("retry-failed", job_id)
    assert run.exit_code == 0, run
    assert run.stdout == ""
    assert "nothing to retry" in run.stderr
    assert len(s3bo("--output", "json", "list-jobs").json["Jobs"]) == 1


def test_tags_stay_within_fifty(s3bo, store, mixed_job):
    tags = [f"Key=t{i:02d},Value=v" for i in range(50)]
    original = mixed_job(store, extra=("--tags", *tags))
    retry_id = s3bo("retry-failed", original).json["JobId"]
    found = _tags(s3bo, retry_id)
    assert len(found) == 50
    assert found[0] == {"Key": "s3bo:retry-of", "Value": original}
    assert found[-1] == {"Key": "t48", "Value": "v"}


def test_retry_of_a_retry_points_at_its_own_original(s3bo, store, mixed_job, run_worker):
    original = mixed_job(store)
    first = s3bo("retry-failed", original).json["JobId"]
    run_worker()  # the objects are still missing: everything fails again
    second = s3bo("retry-failed", first).json["JobId"]
    assert _tags(s3bo, second) == [{"Key": "s3bo:retry-of", "Value": first}]


def test_versioned_failures_keep_a_version_column(s3bo, store, run_worker):
    store.create_bucket("vers", versioning=True)
    store.create_bucket("reports")
    version = store.put_object("vers", "a", b"x").version_id
    manifest = put_manifest(store, [("vers", "a", version), ("vers", "a", "nosuchversion")])
    job_id = s3bo(*job_args(TAGGING, manifest, report=report_spec())).json["JobId"]
    run_worker()
    retry = describe(s3bo, s3bo("retry-failed", job_id).json["JobId"])
    assert retry["Manifest"]["Spec"]["Fields"] == ["Bucket", "Key", "VersionId"]
    key = f"runs/job-{job_id}/retry-manifest.csv"
    assert store.get_object("reports", key).read() == b"vers,a,nosuchversion\n"


def test_job_without_report_cannot_be_retried(s3bo, store):
    store.create_bucket("photos")
    job_id = s3bo(*job_args(TAGGING, put_manifest(store, [("photos", "a")]))).json["JobId"]
    run = s3bo("retry-failed", job_id)
    assert run.exit_code == 254
    assert "has no completion report" in run.stderr
