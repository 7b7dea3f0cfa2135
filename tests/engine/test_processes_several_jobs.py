"""Several Active jobs, each spread over task processes: kill -9 any process of the
worker at a random point, then the worker itself; every task is recorded exactly once."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path

import pytest

from tests.engine.conftest import job_args, put_manifest, whole_lines
from tests.engine.test_processes import children_of, job_dir, start_worker

JOBS = {"blue": 1100, "green": 1100}  # each over two processes' worth of tasks
REPORT = {"Bucket": "arn:aws:s3:::reports", "Format": "Report_CSV_20180820", "Enabled": True}


def seeded_jobs(s3bo, store) -> dict[str, str]:
    """One tagging job per prefix, all of equal priority (so all of them run at once)."""
    store.create_bucket("photos")
    store.create_bucket("reports")
    jobs = {}
    for prefix, count in JOBS.items():
        folder = Path(store.root) / "photos" / prefix
        folder.mkdir(parents=True)
        for i in range(count):  # plain files: quicker than fsync'd puts
            (folder / f"k{i}").write_bytes(b"x")
        rows = [("photos", f"{prefix}/k{i}") for i in range(count)]
        manifest = put_manifest(store, rows, key=f"{prefix}.csv")
        op = {"S3PutObjectTagging": {"TagSet": [{"Key": "job", "Value": prefix}]}}
        jobs[prefix] = s3bo(*job_args(op, manifest, report=REPORT)).json["JobId"]
    return jobs


def recorded(state_dir: Path, job_id: str) -> list[int]:
    lines = whole_lines(job_dir(state_dir, job_id) / "results.jsonl")
    return [json.loads(line)["index"] for line in lines]


def wait_until_all_run(worker, state_dir: Path, jobs: dict[str, str], least: int) -> None:
    """Until every job has at least ``least`` results (so each is Active at once)."""
    deadline = time.monotonic() + 120
    while min(len(recorded(state_dir, job_id)) for job_id in jobs.values()) < least:
        assert worker.poll() is None, "the worker ended before it could be killed"
        assert time.monotonic() < deadline, "the jobs made no progress"
        time.sleep(0.005)


@pytest.mark.parametrize("seed", [3, pytest.param(4, marks=pytest.mark.slow)])
def test_kill_9_of_processes_across_active_jobs_loses_and_doubles_nothing(
    s3bo, store, state_dir, seed
):
    rng = random.Random(seed)
    jobs = seeded_jobs(s3bo, store)
    worker = start_worker(state_dir, 2)
    try:
        wait_until_all_run(worker, state_dir, jobs, rng.randrange(20, 200))
        children = children_of(worker.pid)
        assert len(children) >= 3, f"expected task processes for both jobs: {children}"
        os.kill(rng.choice(children), signal.SIGKILL)  # a task process of one of the jobs
        wait_until_all_run(worker, state_dir, jobs, rng.randrange(300, 500))
        os.kill(worker.pid, signal.SIGKILL)  # then the worker, with every job mid-run
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    again = start_worker(state_dir, 2)
    assert again.wait(timeout=300) == 0
    for prefix, job_id in jobs.items():
        count = JOBS[prefix]
        job = s3bo("describe-job", "--job-id", job_id).json["Job"]
        assert job["Status"] == "Complete"
        assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == count
        assert sorted(recorded(state_dir, job_id)) == list(range(count))  # once each
        for i in range(count):
            assert store.get_object_tagging("photos", f"{prefix}/k{i}") == {"job": prefix}
        manifest = json.loads(store.get_object("reports", f"job-{job_id}/manifest.json").read())
        (entry,) = manifest["Results"]
        assert len(store.get_object("reports", entry["Key"]).read().splitlines()) == count
