"""A worker killed with SIGKILL mid-job: the next one resumes without loss or repeats."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.engine.conftest import job_args, put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "done", "Value": "yes"}]}}
TASKS = 1500

# A worker process whose tasks take a little while, so that it is surely killed mid-job.
SLOW_WORKER = """
import sys, time
from pathlib import Path
from s3bo_cli import ops
from s3bo_cli.engine.runner import RunLimits
from s3bo_cli.engine.worker import Worker
real = ops.get("S3PutObjectTagging")
def slow(ctx, entry):
    time.sleep(0.004)
    return real(ctx, entry)
ops.get = lambda name: slow
Worker(Path(sys.argv[1]), limits=RunLimits(concurrency=4)).run(burst=True)
"""


def job_dir(state_dir, job_id):
    return state_dir / "accounts" / "123456789012" / "us-east-1" / "jobs" / job_id


def test_kill_9_mid_job_then_resume(s3bo, store, state_dir, run_worker):
    store.create_bucket("photos")
    store.create_bucket("reports")
    for i in range(TASKS):
        store.put_object("photos", f"k{i}", b"x")
    manifest = put_manifest(store, [("photos", f"k{i}") for i in range(TASKS)])
    report = {"Bucket": "arn:aws:s3:::reports", "Format": "Report_CSV_20180820", "Enabled": True}
    job_id = s3bo(*job_args(TAG_OP, manifest, report=report)).json["JobId"]
    results = job_dir(state_dir, job_id) / "results.jsonl"

    worker = subprocess.Popen([sys.executable, "-c", SLOW_WORKER, str(state_dir)])
    try:
        deadline = time.monotonic() + 60
        while not (results.exists() and results.stat().st_size > 20_000):
            assert worker.poll() is None, "the worker ended before it could be killed"
            assert time.monotonic() < deadline, "the worker made no progress"
            time.sleep(0.01)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)

    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == "Active"  # killed mid-job: nobody moved it on
    recorded_before = len(results.read_bytes().split(b"\n")) - 1
    assert 0 < recorded_before < TASKS

    run_worker()

    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == "Complete"
    summary = job["ProgressSummary"]
    assert summary["NumberOfTasksSucceeded"] == TASKS
    assert summary["NumberOfTasksFailed"] == 0
    lines = results.read_text().splitlines()
    indices = [json.loads(line)["index"] for line in lines]
    assert sorted(indices) == list(range(TASKS))  # every task once: none lost, none twice
    for i in range(TASKS):
        assert store.get_object_tagging("photos", f"k{i}") == {"done": "yes"}
    report_manifest = json.loads(store.get_object("reports", f"job-{job_id}/manifest.json").read())
    (entry,) = report_manifest["Results"]
    rows = store.get_object("reports", entry["Key"]).read().decode().splitlines()
    assert len(rows) == TASKS


def test_a_torn_last_result_line_is_dropped_and_the_task_rerun(s3bo, store, state_dir, run_worker):
    store.create_bucket("photos")
    for i in range(3):
        store.put_object("photos", f"k{i}", b"x")
    manifest = put_manifest(store, [("photos", f"k{i}") for i in range(3)])
    job_id = s3bo(*job_args(TAG_OP, manifest)).json["JobId"]
    # Prepare only, then fake a crash that left one whole result and one torn line.
    from s3bo_cli.engine.worker import Worker

    Worker(state_dir).run_once()  # New -> Preparing -> Ready
    directory = job_dir(state_dir, job_id)
    whole = {
        "index": 0, "bucket": "photos", "key": "k0", "version_id": None,
        "status": "succeeded", "http_status": 200, "error_code": "", "message": "Successful",
    }  # fmt: skip
    (directory / "results.jsonl").write_text(json.dumps(whole) + '\n{"index": 1, "buck')
    run_worker()
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 3
    indices = [
        json.loads(x)["index"] for x in (directory / "results.jsonl").read_text().splitlines()
    ]
    assert sorted(indices) == [0, 1, 2]
    assert store.get_object_tagging("photos", "k0") == {}  # recorded as done: not run again
    assert store.get_object_tagging("photos", "k1") == {"done": "yes"}
