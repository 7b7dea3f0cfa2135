"""Local-engine extensions: user pause/resume, a per-job failure threshold, listing everywhere."""

from __future__ import annotations

import json

from tests.engine.conftest import drop_objects, job_args, put_manifest, statuses

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}


def seed(store, count, missing=0):
    rows = drop_objects(store, "photos", count) + [("photos", f"gone{i}") for i in range(missing)]
    return put_manifest(store, rows)


def status(s3bo, job_id):
    return s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"]


def test_pause_a_ready_job_then_resume(s3bo, store, run_worker, state_dir):
    job_id = s3bo(*job_args(TAG_OP, seed(store, 3))).json["JobId"]
    from s3bo_cli.engine.worker import Worker

    Worker(state_dir).run_once()  # prepare: Ready
    assert status(s3bo, job_id) == "Ready"
    assert s3bo("pause", job_id).json == {"JobId": job_id, "Status": "Paused"}
    run_worker()
    assert status(s3bo, job_id) == "Paused"  # held: the worker leaves it alone
    assert store.get_object_tagging("photos", "k0") == {}
    assert s3bo("resume", job_id).json == {"JobId": job_id, "Status": "Paused"}
    run_worker()
    assert status(s3bo, job_id) == "Complete"


def test_pause_a_running_job(s3bo, store, run_worker, state_dir, act_at_task):
    job_id = s3bo(*job_args(TAG_OP, seed(store, 100))).json["JobId"]
    act_at_task(10, lambda: s3bo("pause", job_id))
    run_worker(concurrency=1)
    assert statuses(state_dir, job_id)[-3:] == ["Active", "Pausing", "Paused"]
    done = s3bo("describe-job", "--job-id", job_id).json["Job"]["ProgressSummary"]
    assert 10 <= done["NumberOfTasksSucceeded"] < 100
    s3bo("resume", job_id)
    run_worker()
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 100


def test_pause_refuses_finished_jobs_and_resume_needs_a_pause(s3bo, store, run_worker):
    job_id = s3bo(*job_args(TAG_OP, seed(store, 1))).json["JobId"]
    assert s3bo("resume", job_id).exit_code == 254
    run_worker()
    run = s3bo("pause", job_id)
    assert run.exit_code == 254 and "JobStatusException" in run.stderr


def test_pause_is_local_only(s3bo):
    run = s3bo("--backend", "aws", "pause", "00000000-0000-4000-8000-000000000000")
    assert run.exit_code == 252
    assert "local engine only" in run.stderr


def test_failure_threshold_per_job(s3bo, store, run_worker):
    manifest = seed(store, 5, missing=15)
    strict = s3bo(*job_args(TAG_OP, manifest, "--failure-threshold", "50%:10")).json["JobId"]
    default = s3bo(*job_args(TAG_OP, manifest)).json["JobId"]
    run_worker(concurrency=1)
    job = s3bo("describe-job", "--job-id", strict).json["Job"]
    assert job["Status"] == "Failed"
    assert job["FailureReasons"][0]["FailureCode"] == "TaskFailureThresholdExceeded"
    assert status(s3bo, default) == "Complete"  # the service's minimum is 1,000 tasks


def test_failure_threshold_none_and_bad_values(s3bo, store, run_worker):
    manifest = seed(store, 0, missing=3)
    job_id = s3bo(*job_args(TAG_OP, manifest, "--failure-threshold", "none")).json["JobId"]
    run_worker()
    assert status(s3bo, job_id) == "Complete"
    for bad in ("lots", "150%", "10%:0"):
        run = s3bo(*job_args(TAG_OP, manifest, "--failure-threshold", bad))
        assert run.exit_code == 252, bad
        assert "--failure-threshold" in run.stderr


def test_list_jobs_all_pages_and_all_regions(s3bo, make_job):
    ids = [make_job() for _ in range(5)]
    west = s3bo("--region", "us-west-2", *job_args(TAG_OP, json.loads(_manifest()))).json["JobId"]
    listed = s3bo("list-jobs", "--all", "--max-results", "2").json
    assert [j["JobId"] for j in listed["Jobs"]] == ids[::-1]
    assert "NextToken" not in listed
    everywhere = s3bo("list-jobs", "--all-regions").json["Jobs"]
    assert {(j["JobId"], j["Region"]) for j in everywhere} == {
        *((i, "us-east-1") for i in ids),
        (west, "us-west-2"),
    }
    assert everywhere[0]["JobId"] == west  # newest first across regions


def _manifest() -> str:
    from tests.conftest import manifest_arg

    return manifest_arg()
