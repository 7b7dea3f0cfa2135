"""kill -9 during a job and during its revert: before-images and results stay exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from s3bo_cli.safety.hook import JOURNAL
from s3bo_cli.safety.journal import Journal
from tests.engine.conftest import job_args, put_manifest

TASKS = 600
TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "done", "Value": "yes"}]}}

# A worker whose tasks (the job's, and a revert's put-backs) take a little while.
SLOW_WORKER = """
import sys, time
from pathlib import Path
from s3bo_cli import ops
from s3bo_cli.safety import revert
from s3bo_cli.engine.settings import EngineSettings
from s3bo_cli.engine.worker import Worker
real, real_put_back = ops.get("S3PutObjectTagging"), revert.put_back
def slow(ctx, entry):
    time.sleep(0.005)
    return real(ctx, entry)
def slow_put_back(ctx, entry, **kw):
    time.sleep(0.005)
    return real_put_back(ctx, entry, **kw)
revert.put_back = slow_put_back
settings = EngineSettings(concurrency=4, operations=lambda name: slow)
Worker(Path(sys.argv[1]), settings=settings).run(burst=True)
"""


def job_dir(state_dir, job_id):
    return state_dir / "accounts" / "123456789012" / "us-east-1" / "jobs" / job_id


def kill_mid_job(state_dir, job_id: str) -> None:
    """Start a slow worker and kill -9 it once it has recorded some results."""
    results = job_dir(state_dir, job_id) / "results.jsonl"
    worker = subprocess.Popen([sys.executable, "-c", SLOW_WORKER, str(state_dir)])
    try:
        deadline = time.monotonic() + 60
        while not (results.exists() and results.read_bytes().count(b"\n") >= 100):
            assert worker.poll() is None, "the worker ended before it could be killed"
            assert time.monotonic() < deadline, "the worker made no progress"
            time.sleep(0.005)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)


def check_exactly_once(state_dir, job_id: str) -> dict[int, dict]:
    """Every task has one result; returns the first before-image of each task."""
    lines = (job_dir(state_dir, job_id) / "results.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["index"] for line in lines) == list(range(TASKS))
    firsts: dict[int, dict] = {}
    for record in Journal(job_dir(state_dir, job_id), JOURNAL).records():
        firsts.setdefault(record["i"], record)
    assert sorted(firsts) == list(range(TASKS))
    return firsts


def test_kill_9_during_a_job_and_its_revert(s3bo, store, state_dir, run_worker):
    store.create_bucket("photos")
    for i in range(TASKS):
        store.put_object("photos", f"k{i}", b"x", tags={"n": str(i)})
    manifest = put_manifest(store, [("photos", f"k{i}") for i in range(TASKS)])
    job_id = s3bo(*job_args(TAG_OP, manifest)).json["JobId"]

    kill_mid_job(state_dir, job_id)
    assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"] == "Active"
    run_worker()
    assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"] == "Complete"
    images = check_exactly_once(state_dir, job_id)
    assert all(images[i]["s"] == {"n": str(i)} for i in range(TASKS))  # never the new tags

    created = s3bo("revert", job_id, "--manifest-location", "s3://manifests/revert.csv")
    assert created.exit_code == 0, created
    revert_id = created.json["JobId"]
    kill_mid_job(state_dir, revert_id)
    run_worker()
    job = s3bo("describe-job", "--job-id", revert_id).json["Job"]
    assert (job["Status"], job["ProgressSummary"]["NumberOfTasksSucceeded"]) == ("Complete", TASKS)
    reverted = check_exactly_once(state_dir, revert_id)
    assert all(reverted[i]["s"] == {"done": "yes"} for i in range(TASKS))
    assert all(store.get_object_tagging("photos", f"k{i}") == {"n": str(i)} for i in range(TASKS))

    again = s3bo("revert", revert_id, "--manifest-location", "s3://manifests/again.csv")
    assert again.exit_code == 0, again
    run_worker()
    assert all(store.get_object_tagging("photos", f"k{i}") == {"done": "yes"} for i in range(TASKS))


def test_task_processes_record_each_before_image_in_one_journal(s3bo, store, state_dir):
    from s3bo_cli.engine.settings import EngineSettings
    from s3bo_cli.engine.worker import Worker

    store.create_bucket("photos")
    for i in range(300):
        store.put_object("photos", f"k{i}", b"x", tags={"n": str(i)})
    manifest = put_manifest(store, [("photos", f"k{i}") for i in range(300)])
    job_id = s3bo(*job_args(TAG_OP, manifest)).json["JobId"]
    settings = EngineSettings(processes=3, min_tasks_per_process=50)
    Worker(state_dir, settings=settings).run(burst=True)
    records = list(Journal(job_dir(state_dir, job_id), JOURNAL).records())
    assert sorted(r["i"] for r in records) == list(range(300))
    assert all(r["s"] == {"n": r["k"][1:]} for r in records)
    assert (job_dir(state_dir, job_id) / f"{JOURNAL}.wal").stat().st_size == 0

    revert_id = s3bo("revert", job_id, "--manifest-location", "s3://manifests/r.csv").json["JobId"]
    Worker(state_dir, settings=settings).run(burst=True)
    assert s3bo("describe-job", "--job-id", revert_id).json["Job"]["Status"] == "Complete"
    assert all(store.get_object_tagging("photos", f"k{i}") == {"n": str(i)} for i in range(300))
