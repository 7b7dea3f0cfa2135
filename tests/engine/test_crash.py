"""A worker killed with SIGKILL mid-job: the next one resumes without loss or repeats."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.engine.conftest import drop_objects, job_args, put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "done", "Value": "yes"}]}}
TASKS = 1500
FAULT_TASKS = 400  # the lock-breaking cases: enough to be mid-job, cheap to seed

# A worker process whose tasks take a little while, so that it is surely killed mid-job.
SLOW_WORKER = """
import sys, time
from pathlib import Path
from s3bo_cli import ops
from s3bo_cli.engine.settings import EngineSettings
from s3bo_cli.engine.worker import Worker
real = ops.get("S3PutObjectTagging")
def slow(ctx, entry):
    time.sleep(0.004)
    return real(ctx, entry)
settings = EngineSettings(concurrency=4, operations=lambda name: slow)
Worker(Path(sys.argv[1]), settings=settings).run(burst=True)
"""


def job_dir(state_dir, job_id):
    return state_dir / "accounts" / "123456789012" / "us-east-1" / "jobs" / job_id


def test_kill_9_mid_job_then_resume(s3bo, store, state_dir, run_worker):
    store.create_bucket("reports")
    manifest = put_manifest(store, drop_objects(store, "photos", TASKS))
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


# A worker whose tasks after the 100th wait for a gate file: it surely holds the job
# while the test breaks its files and starts more workers.
GATED_WORKER = """
import sys, threading, time
from pathlib import Path
from s3bo_cli import ops
from s3bo_cli.engine.settings import EngineSettings
from s3bo_cli.engine.worker import Worker
real, gate, lock, calls = ops.get("S3PutObjectTagging"), Path(sys.argv[2]), threading.Lock(), [0]
def gated(ctx, entry):
    with lock:
        calls[0] += 1
        number = calls[0]
    while number > 100 and not gate.exists():
        time.sleep(0.01)
    return real(ctx, entry)
settings = EngineSettings(concurrency=4, operations=lambda name: gated)
Worker(Path(sys.argv[1]), settings=settings).run(burst=True)
"""


def sabotage_locks(state_dir, round_no):
    """Delete, replace or truncate every lock and pid file in the state directory."""
    touched = 0
    for i, path in enumerate(sorted([*state_dir.rglob("*.lock"), *state_dir.rglob("*.pid")])):
        how = (i + round_no) % 3
        if how == 0:
            path.unlink(missing_ok=True)
        elif how == 1:
            fresh = path.with_name(path.name + ".new")
            fresh.write_text("99999\n")
            os.replace(fresh, path)
        else:
            with path.open("w"):
                pass
        touched += 1
    return touched


def start_cli_worker(state_dir):
    env = {**os.environ, "S3BO_STATE_DIR": str(state_dir), "S3BO_NO_AUTOSTART": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "s3bo_cli", "worker", "--burst"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_exactly_once(s3bo, store, state_dir, job_id, count):
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == count
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 0
    results = job_dir(state_dir, job_id) / "results.jsonl"
    indices = [json.loads(line)["index"] for line in results.read_text().splitlines()]
    assert sorted(indices) == list(range(count))  # one result per task
    report_manifest = json.loads(store.get_object("reports", f"job-{job_id}/manifest.json").read())
    (entry,) = report_manifest["Results"]
    assert len(store.get_object("reports", entry["Key"]).read().splitlines()) == count
    summary = s3bo("report", job_id, "--output", "json")
    assert summary.exit_code == 0, summary
    assert str(count) in summary.stdout


def seeded_job(s3bo, store, count):
    store.create_bucket("reports")
    manifest = put_manifest(store, drop_objects(store, "photos", count))
    report = {"Bucket": "arn:aws:s3:::reports", "Format": "Report_CSV_20180820", "Enabled": True}
    return s3bo(*job_args(TAG_OP, manifest, report=report)).json["JobId"]


def wait_for_results(worker, results, size):
    deadline = time.monotonic() + 60
    while not (results.exists() and results.stat().st_size > size):
        assert worker.poll() is None, "the worker ended too soon"
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.01)


def test_no_lock_or_pid_file_lets_a_second_runner_in(s3bo, store, state_dir):
    from s3bo_cli.engine.jobstore import JobStore
    from s3bo_cli.engine.runner import JobRunner
    from s3bo_cli.engine.taskstore import store_opener
    from s3bo_cli.state.layout import Namespace

    job_id = seeded_job(s3bo, store, FAULT_TASKS)
    results = job_dir(state_dir, job_id) / "results.jsonl"
    gate = state_dir.parent / "gate"
    worker = subprocess.Popen([sys.executable, "-c", GATED_WORKER, str(state_dir), str(gate)])
    try:
        wait_for_results(worker, results, 10_000)  # at the gate: ~140 bytes a result
        for round_no in range(2):
            assert sabotage_locks(state_dir, round_no) >= 3  # worker, job and namespace files
            status = s3bo("worker", "--status")
            assert f"worker running for {state_dir} (pid {worker.pid})" in status.stdout, status
            others = [start_cli_worker(state_dir) for _ in range(2)]
            for other in others:
                _, err = other.communicate(timeout=60)
                assert other.returncode != 0
                assert "another worker" in err and str(worker.pid) in err
            # A runner in another process (here: this one) cannot take the job's lease.
            ns = Namespace(state_dir, "123456789012", "us-east-1")
            stray = JobRunner(JobStore(ns), job_id, open_store=store_opener({}))
            assert stray.step() is False
        assert worker.poll() is None
        gate.touch()
        assert worker.wait(timeout=120) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert_exactly_once(s3bo, store, state_dir, job_id, FAULT_TASKS)
    assert s3bo("worker", "--status").stdout.startswith("worker not running")


def test_kill_9_then_broken_locks_then_many_workers(s3bo, store, state_dir):
    job_id = seeded_job(s3bo, store, FAULT_TASKS)
    results = job_dir(state_dir, job_id) / "results.jsonl"
    worker = subprocess.Popen([sys.executable, "-c", SLOW_WORKER, str(state_dir)])
    try:
        wait_for_results(worker, results, 5_000)
        sabotage_locks(state_dir, 0)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    sabotage_locks(state_dir, 1)
    workers = [start_cli_worker(state_dir) for _ in range(4)]
    for other in workers:
        other.communicate(timeout=120)
    assert sorted(w.returncode for w in workers)[0] == 0  # one served; the rest were refused
    assert_exactly_once(s3bo, store, state_dir, job_id, FAULT_TASKS)
