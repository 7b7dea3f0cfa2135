"""Tasks spread over processes: each task recorded once, whatever process is killed when."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from s3bo_cli.engine.settings import EngineSettings
from s3bo_cli.engine.worker import Worker
from tests.engine.conftest import drop_objects, job_args, put_manifest, whole_lines

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "done", "Value": "yes"}]}}
REPORT = {"Bucket": "arn:aws:s3:::reports", "Format": "Report_CSV_20180820", "Enabled": True}


def job_dir(state_dir: Path, job_id: str) -> Path:
    return state_dir / "accounts" / "123456789012" / "us-east-1" / "jobs" / job_id


def seeded_job(s3bo, store, count: int) -> str:
    store.create_bucket("reports")
    manifest = put_manifest(store, drop_objects(store, "photos", count))
    return s3bo(*job_args(TAG_OP, manifest, report=REPORT)).json["JobId"]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def assert_each_task_once(s3bo, store, state_dir, job_id, count):
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == count
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 0
    lines = (job_dir(state_dir, job_id) / "results.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["index"] for line in lines) == list(range(count))
    for i in range(count):
        assert store.get_object_tagging("photos", f"k{i}") == {"done": "yes"}
    manifest = json.loads(store.get_object("reports", f"job-{job_id}/manifest.json").read())
    (entry,) = manifest["Results"]
    assert len(store.get_object("reports", entry["Key"]).read().splitlines()) == count


def test_a_long_job_runs_in_several_processes_each_task_once(s3bo, store, state_dir, monkeypatch):
    spawned = []
    real_popen = subprocess.Popen

    def watching_popen(args, *rest, **kwargs):
        proc = real_popen(args, *rest, **kwargs)
        spawned.append(args)
        return proc

    monkeypatch.setattr(subprocess, "Popen", watching_popen)
    job_id = seeded_job(s3bo, store, 400)
    settings = EngineSettings(processes=3, concurrency=12, min_tasks_per_process=50)
    Worker(state_dir, settings=settings).run(burst=True)
    assert len([a for a in spawned if "s3bo_cli.engine.taskprocs" in a]) == 3
    assert_each_task_once(s3bo, store, state_dir, job_id, 400)


def test_a_short_job_runs_in_the_workers_own_process(s3bo, store, state_dir, monkeypatch):
    spawned = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: spawned.append(a))
    job_id = seeded_job(s3bo, store, 20)
    Worker(state_dir, settings=EngineSettings(processes=4)).run(burst=True)
    assert spawned == []
    assert_each_task_once(s3bo, store, state_dir, job_id, 20)


@pytest.mark.parametrize(
    ("given", "children"),
    [
        ([], min(os.cpu_count() or 1, 2)),
        (["--processes", "2"], 2),
        (["env"], 2),
        (["--processes", "4"], 2),
        (["--processes", "4", "--concurrency", "12"], 3),
        (["--processes", "2", "--concurrency", "7"], 1),
    ],
    ids=["default", "option", "environment", "capped", "more-slots", "too-few-slots"],
)
def test_a_dirstore_job_gives_each_task_process_four_slots_at_least(
    s3bo, store, state_dir, monkeypatch, given, children
):
    """One per CPU (the default) or as told, while each has 4 of the concurrency's slots
    (concurrency 8 by default); a single one is the worker's own process."""
    spawned = []
    real_popen = subprocess.Popen

    def watching_popen(args, *rest, **kwargs):
        spawned.append(args)
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", watching_popen)
    job_id = seeded_job(s3bo, store, 1600)  # long enough for three processes
    env = {"S3BO_WORKER_PROCESSES": "2"} if given == ["env"] else {}
    options = [] if given == ["env"] else given
    assert s3bo("worker", "--burst", *options, env=env).exit_code == 0
    assert len([a for a in spawned if "s3bo_cli.engine.taskprocs" in a]) == (
        children if children > 1 else 0
    )
    assert_each_task_once(s3bo, store, state_dir, job_id, 1600)


TASKS = 1500  # three processes' worth (EngineSettings.min_tasks_per_process each)


def start_worker(state_dir: Path, processes: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "s3bo_cli", "--state-dir", str(state_dir), "worker", "--burst",
         "--processes", str(processes), "--concurrency", str(4 * processes)],
    )  # fmt: skip


def wait_for_results(worker: subprocess.Popen, results: Path, lines: int) -> None:
    deadline = time.monotonic() + 120
    while not (results.exists() and results.read_bytes().count(b"\n") >= lines):
        assert worker.poll() is None, "the worker ended before it could be killed"
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.005)


@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_kill_9_of_a_task_process_loses_and_doubles_nothing(s3bo, store, state_dir, seed):
    job_id = seeded_job(s3bo, store, TASKS)
    results = job_dir(state_dir, job_id) / "results.jsonl"
    worker = start_worker(state_dir, 3)
    try:
        wait_for_results(worker, results, random.Random(seed).randrange(100, TASKS // 2))
        children = children_of(worker.pid)
        assert children, "no task processes"
        os.kill(random.Random(seed).choice(children), signal.SIGKILL)
        assert worker.wait(timeout=120) == 0  # it carried on without the killed process
    finally:
        if worker.poll() is None:
            worker.kill()
    assert_each_task_once(s3bo, store, state_dir, job_id, TASKS)


@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_kill_9_of_the_worker_ends_its_task_processes_and_a_new_worker_finishes(
    s3bo, store, state_dir, seed
):
    job_id = seeded_job(s3bo, store, TASKS)
    results = job_dir(state_dir, job_id) / "results.jsonl"
    worker = start_worker(state_dir, 2)
    try:
        wait_for_results(worker, results, random.Random(seed).randrange(100, TASKS // 2))
        children = children_of(worker.pid)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    deadline = time.monotonic() + 30
    while alive := [pid for pid in children if _running(pid)]:
        assert time.monotonic() < deadline, f"task processes outlived their worker: {alive}"
        time.sleep(0.05)
    assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"] == "Active"
    again = start_worker(state_dir, 2)
    assert again.wait(timeout=180) == 0
    assert_each_task_once(s3bo, store, state_dir, job_id, TASKS)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def spread(state_dir: Path) -> Worker:
    return Worker(state_dir, settings=EngineSettings(processes=2, min_tasks_per_process=100))


def recorded(state_dir: Path, job_id: str) -> list[int]:
    lines = whole_lines(job_dir(state_dir, job_id) / "results.jsonl")
    return [json.loads(line)["index"] for line in lines]


def test_the_failure_threshold_stops_every_task_process(s3bo, store, state_dir):
    store.create_bucket("photos")
    manifest = put_manifest(store, [("photos", f"gone{i}") for i in range(1000)])
    args = job_args(TAG_OP, manifest, "--failure-threshold", "10%:5")
    job_id = s3bo(*args).json["JobId"]
    spread(state_dir).run(burst=True)
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == "Failed"
    indices = recorded(state_dir, job_id)
    assert len(indices) == len(set(indices)) == job["ProgressSummary"]["NumberOfTasksFailed"]
    assert len(indices) < 1000  # the tasks not started when it stopped never ran


def test_a_cancel_reaches_every_task_process(s3bo, store, state_dir):
    job_id = seeded_job(s3bo, store, 1500)
    results = job_dir(state_dir, job_id) / "results.jsonl"
    cancel = ("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")

    def cancel_after_some_results() -> None:
        while not (results.exists() and results.read_bytes().count(b"\n") >= 50):
            time.sleep(0.005)
        s3bo(*cancel)

    canceller = threading.Thread(target=cancel_after_some_results)
    canceller.start()
    spread(state_dir).run(burst=True)
    canceller.join(timeout=60)
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    indices = recorded(state_dir, job_id)
    assert len(indices) == len(set(indices)) == job["ProgressSummary"]["NumberOfTasksSucceeded"]
    if job["Status"] == "Cancelled":  # (on a very fast disk the job may finish first)
        assert len(indices) < 1500
    else:
        assert job["Status"] == "Complete"
