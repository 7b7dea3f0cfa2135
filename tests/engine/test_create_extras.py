"""create-job beyond the aws CLI: the manifest ETag looked up, and --dry-run."""

from __future__ import annotations

from tests.engine.conftest import job_args, put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}


def test_manifest_etag_is_looked_up_when_left_out(s3bo, store, run_worker):
    store.create_bucket("photos")
    store.put_object("photos", "a", b"x")
    manifest = put_manifest(store, [("photos", "a")])
    etag = manifest["Location"].pop("ETag")
    job_id = s3bo(*job_args(TAG_OP, manifest)).json["JobId"]
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Manifest"]["Location"]["ETag"] == etag
    run_worker()
    assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"] == "Complete"


def test_missing_manifest_without_etag_is_a_service_error(s3bo, store):
    store.create_bucket("manifests")
    manifest = {
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
        "Location": {"ObjectArn": "arn:aws:s3:::manifests/nope.csv"},
    }
    run = s3bo(*job_args(TAG_OP, manifest))
    assert run.exit_code == 254
    assert "(NoSuchKey) when calling the HeadObject operation" in run.stderr
    assert s3bo("list-jobs").json == {"Jobs": []}


def test_dry_run_creates_nothing_and_predicts(s3bo, store):
    store.create_bucket("photos")
    for key in ("a", "b"):
        store.put_object("photos", key, b"x")
    manifest = put_manifest(store, [("photos", "a"), ("photos", "b"), ("photos", "gone")])
    run = s3bo(*job_args(TAG_OP, manifest, "--dry-run"))
    assert run.exit_code == 0, run
    plan = run.json
    assert plan["TotalTasks"] == 3
    assert plan["LikelyFailureCounts"] == {"NoSuchKey": 1}
    assert plan["EstimatedCost"]["JobFee"] == 0.25
    assert plan["EstimatedCost"]["PriceTableDate"]
    assert s3bo("list-jobs").json == {"Jobs": []}


def test_dry_run_of_an_invalid_request_fails_like_create_job(s3bo, store):
    manifest = put_manifest(store, [("photos", "a")])
    run = s3bo(*job_args(TAG_OP, manifest, "--dry-run", "--role-arn", "nope"))
    assert run.exit_code == 254
    assert "RoleArn" in run.stderr


def test_create_job_refuses_a_manifest_with_errors(s3bo, store, state_dir):
    manifest = put_manifest(store, [("Bucket", "Key"), ("photos", "a")])
    run = s3bo(*job_args(TAG_OP, manifest))
    assert run.exit_code == 252
    assert "line 1: header-row" in run.stderr and "--no-lint" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert s3bo("list-jobs").json == {"Jobs": []}
    forced = s3bo(*job_args(TAG_OP, manifest, "--no-lint"))
    assert forced.exit_code == 0  # the job is created, and will fail in Preparing


def test_manifest_warnings_do_not_stop_create_job(s3bo, store):
    store.create_bucket("photos")
    manifest = put_manifest(store, [("photos", "a"), ("photos", "a")])  # a duplicate
    assert s3bo(*job_args(TAG_OP, manifest)).exit_code == 0
