"""A CloudTrail-shaped event for every status a job passes through."""

from __future__ import annotations

from tests.events.conftest import read_events, statuses

COMPLETE_PATH = ["New", "Preparing", "Ready", "Active", "Completing", "Complete"]


def test_complete_path(make_job, run_worker, ns_dir):
    job_id = make_job()
    run_worker()
    assert statuses(ns_dir, job_id) == COMPLETE_PATH
    recorded = read_events(ns_dir / "events.jsonl")
    assert [e["eventName"] for e in recorded] == ["JobCreated"] + ["JobStatusChanged"] * 5
    for event in recorded:
        assert event["eventType"] == "AwsServiceEvent"
        assert event["eventSource"] == "s3.amazonaws.com"
        assert event["userIdentity"]["invokedBy"] == "s3.amazonaws.com"
        assert len(event["serviceEventDetails"]["jobEventId"]) == 32
        assert event["serviceEventDetails"]["failureCodes"] == []
        assert event["eventTime"].endswith("Z")


def test_suspended_then_confirmed(s3bo, make_job, run_worker, ns_dir):
    job_id = make_job(confirm=True)
    run_worker()
    assert statuses(ns_dir, job_id) == ["New", "Preparing", "Suspended"]
    s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Ready")
    run_worker()
    assert statuses(ns_dir, job_id) == ["New", "Preparing", "Suspended", *COMPLETE_PATH[2:]]


def test_cancelled_while_suspended(s3bo, make_job, run_worker, ns_dir):
    job_id = make_job(confirm=True)
    run_worker()
    s3bo(
        "update-job-status",
        "--job-id",
        job_id,
        "--requested-job-status",
        "Cancelled",
        "--status-update-reason",
        "not today",
    )
    assert statuses(ns_dir, job_id) == ["New", "Preparing", "Suspended", "Cancelled"]
    last = read_events(ns_dir / "events.jsonl")[-1]["serviceEventDetails"]
    assert last["statusChangeReason"] == ["not today"]


def test_cancelled_while_active(s3bo, make_job, run_worker, ns_dir, act_at_task):
    job_id = make_job(keys=[f"k{i}" for i in range(50)])

    def cancel():
        s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")

    act_at_task(5, cancel)
    run_worker()
    assert statuses(ns_dir, job_id) == [
        "New", "Preparing", "Ready", "Active", "Cancelling", "Cancelled",
    ]  # fmt: skip


def test_failed_in_preparing(s3bo, run_worker, ns_dir):
    from tests.manifests.conftest import create_args

    generator = {"SourceBucket": "arn:aws:s3:::nobucket", "EnableManifestOutput": False}
    job_id = s3bo(*create_args(generator=generator)).json["JobId"]
    run_worker()
    assert statuses(ns_dir, job_id) == ["New", "Preparing", "Failing", "Failed"]
    last = read_events(ns_dir / "events.jsonl")[-1]["serviceEventDetails"]
    assert last["failureCodes"] == ["ManifestGenerationFailed"]
