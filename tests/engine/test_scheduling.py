"""Priority, pre-emption and cancellation of a running job.

A second job arrives, or a cancellation comes in, *while* a job runs: the
tests make that happen at a fixed task by wrapping the real tagging operation
(as a user acting from another shell would), so the outcome does not depend
on timing.
"""

from __future__ import annotations

import json

from tests.engine.conftest import drop_objects, job_args, put_manifest, statuses

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}


def seed(store, count, bucket="photos"):
    return put_manifest(store, drop_objects(store, bucket, count), key=f"{bucket}.csv")


def test_higher_priority_runs_first(s3bo, store, run_worker, state_dir):
    manifest = seed(store, 5)
    low = s3bo(*job_args(TAG_OP, manifest, priority=1)).json["JobId"]
    high = s3bo(*job_args(TAG_OP, manifest, priority=50)).json["JobId"]
    run_worker()
    path = state_dir / "accounts" / "123456789012" / "us-east-1" / "events.jsonl"
    order = [
        json.loads(line)["serviceEventDetails"]["jobId"]
        for line in path.read_text().splitlines()
        if json.loads(line)["serviceEventDetails"]["status"] == "Active"
    ]
    assert order == [high, low]


def test_a_higher_priority_job_preempts_the_running_one(
    s3bo, store, run_worker, state_dir, act_at_task
):
    manifest = seed(store, 200)
    low = s3bo(*job_args(TAG_OP, manifest, priority=1)).json["JobId"]
    created = {}

    def submit_urgent_job():
        created["high"] = s3bo(*job_args(TAG_OP, manifest, priority=100)).json["JobId"]

    act_at_task(20, submit_urgent_job)
    run_worker(concurrency=1)
    high = created["high"]
    assert statuses(state_dir, low) == [
        "New", "Preparing", "Ready", "Active", "Pausing", "Paused",
        "Active", "Completing", "Complete",
    ]  # fmt: skip
    assert statuses(state_dir, high)[-3:] == ["Active", "Completing", "Complete"]
    for job_id in (low, high):
        job = s3bo("describe-job", "--job-id", job_id).json["Job"]
        assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 200


def test_raising_priority_of_a_waiting_job_takes_effect_on_a_running_engine(
    s3bo, store, run_worker, state_dir, act_at_task
):
    manifest = seed(store, 100)
    running = s3bo(*job_args(TAG_OP, manifest, priority=10)).json["JobId"]
    waiting = s3bo(*job_args(TAG_OP, manifest, priority=5)).json["JobId"]

    def promote():
        s3bo("update-job-priority", "--job-id", waiting, "--priority", "99")

    act_at_task(10, promote)
    run_worker(concurrency=1)
    assert "Paused" in statuses(state_dir, running)
    assert "Paused" not in statuses(state_dir, waiting)


def test_cancelling_a_running_job(s3bo, store, run_worker, state_dir, act_at_task):
    store.create_bucket("reports")
    manifest = seed(store, 300)
    report = {
        "Bucket": "arn:aws:s3:::reports",
        "Format": "Report_CSV_20180820",
        "Enabled": True,
        "ReportScope": "AllTasks",
    }
    job_id = s3bo(*job_args(TAG_OP, manifest, report=report)).json["JobId"]
    replies = []

    def cancel():
        replies.append(
            s3bo(
                "update-job-status",
                "--job-id",
                job_id,
                "--requested-job-status",
                "Cancelled",
                "--status-update-reason",
                "stop",
            ).json
        )

    act_at_task(10, cancel)
    run_worker(concurrency=1)
    assert replies == [{"JobId": job_id, "Status": "Cancelling", "StatusUpdateReason": "stop"}]
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == "Cancelled"
    assert statuses(state_dir, job_id)[-3:] == ["Active", "Cancelling", "Cancelled"]
    ran = job["ProgressSummary"]["NumberOfTasksSucceeded"]
    assert 10 <= ran < 300  # stopped promptly, long before the end
    manifest_json = json.loads(
        store.get_object("reports", f"job-{job_id}/manifest.json").read()
    )  # tasks ran, so a cancelled job has a report too
    assert [e["TaskExecutionStatus"] for e in manifest_json["Results"]] == ["succeeded"]


def test_cancel_is_refused_once_complete(s3bo, store, run_worker):
    job_id = s3bo(*job_args(TAG_OP, seed(store, 2))).json["JobId"]
    run_worker()
    run = s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")
    assert run.exit_code == 254
    assert "JobStatusException" in run.stderr
