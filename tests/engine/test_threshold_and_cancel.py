"""The failure threshold at its edges, cancellation from every cancellable status,
and several jobs at once."""

from __future__ import annotations

import pytest

from s3bo_cli.engine import manifests
from tests.engine.conftest import drop_objects, job_args, put_manifest, statuses

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}


def job_with(s3bo, store, *, present: int, missing: int, bucket: str = "photos") -> str:
    store.create_bucket(bucket)
    rows = drop_objects(store, bucket, present)
    rows += [(bucket, f"missing{i}") for i in range(missing)]
    # Missing first: with one task at a time the failures come before the successes,
    # the hardest order for the threshold.
    rows = rows[present:] + rows[:present]
    manifest = put_manifest(store, rows, key=f"{bucket}.csv")
    return s3bo(*job_args(TAG_OP, manifest)).json["JobId"]


@pytest.mark.parametrize(
    ("present", "missing", "expected"),
    [
        pytest.param(0, 999, "Complete", id="999-tasks-all-failed"),
        pytest.param(500, 500, "Complete", id="1000-tasks-exactly-50pct"),
        pytest.param(499, 501, "Failed", id="1000-tasks-just-over-50pct"),
    ],
)
def test_threshold_edges(s3bo, store, run_worker, present, missing, expected):
    job_id = job_with(s3bo, store, present=present, missing=missing)
    run_worker(concurrency=1)
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == expected
    codes = [r["FailureCode"] for r in job["FailureReasons"]]
    assert codes == (["TaskFailureThresholdExceeded"] if expected == "Failed" else [])


def cancel(s3bo, job_id):
    return s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")


def seeded_job(s3bo, store, count=50, *extra):
    manifest = put_manifest(store, drop_objects(store, "photos", count))
    return s3bo(*job_args(TAG_OP, manifest, *extra)).json["JobId"]


def test_cancel_while_preparing(s3bo, store, run_worker, state_dir, monkeypatch):
    job_id = seeded_job(s3bo, store)
    real = manifests.job_entries

    def entries_then_cancel(*args, **kwargs):
        for number, entry in enumerate(real(*args, **kwargs)):
            if number == 1:
                assert cancel(s3bo, job_id).json["Status"] == "Cancelled"
            yield entry

    monkeypatch.setattr(manifests, "job_entries", entries_then_cancel)
    run_worker()
    assert statuses(state_dir, job_id) == ["New", "Preparing", "Cancelled"]
    assert store.get_object_tagging("photos", "k0") == {}


def test_cancel_while_ready(s3bo, store, state_dir, run_worker):
    from s3bo_cli.engine.worker import Worker

    job_id = seeded_job(s3bo, store)
    Worker(state_dir).run_once()
    assert cancel(s3bo, job_id).json["Status"] == "Cancelled"
    run_worker()
    assert statuses(state_dir, job_id) == ["New", "Preparing", "Ready", "Cancelled"]


def test_cancel_while_pausing(s3bo, store, run_worker, state_dir, act_at_task):
    job_id = seeded_job(s3bo, store, 100)
    replies = []

    def pause_then_cancel():
        s3bo("pause", job_id)
        replies.append(cancel(s3bo, job_id).json["Status"])

    act_at_task(5, pause_then_cancel)
    run_worker(concurrency=1)
    assert replies == ["Cancelling"]
    assert statuses(state_dir, job_id)[-4:] == ["Active", "Pausing", "Cancelling", "Cancelled"]


def test_cancel_while_paused(s3bo, store, state_dir, run_worker):
    from s3bo_cli.engine.worker import Worker

    job_id = seeded_job(s3bo, store)
    Worker(state_dir).run_once()
    s3bo("pause", job_id)
    assert cancel(s3bo, job_id).json["Status"] == "Cancelling"
    run_worker()
    assert statuses(state_dir, job_id)[-3:] == ["Paused", "Cancelling", "Cancelled"]


def test_several_jobs_at_once_all_complete(s3bo, store, run_worker):
    ids = []
    for n, bucket in enumerate(("alpha", "beta", "gamma", "delta")):
        store.create_bucket(bucket)
        for i in range(30):
            store.put_object(bucket, f"k{i}", b"x")
        manifest = put_manifest(store, [(bucket, f"k{i}") for i in range(30)], key=f"{bucket}.csv")
        operation = {"S3PutObjectTagging": {"TagSet": [{"Key": "job", "Value": bucket}]}}
        ids.append(s3bo(*job_args(operation, manifest, priority=n)).json["JobId"])
    run_worker()
    for job_id, bucket in zip(ids, ("alpha", "beta", "gamma", "delta"), strict=True):
        job = s3bo("describe-job", "--job-id", job_id).json["Job"]
        assert job["Status"] == "Complete"
        assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 30
        assert all(store.get_object_tagging(bucket, f"k{i}") == {"job": bucket} for i in range(30))
