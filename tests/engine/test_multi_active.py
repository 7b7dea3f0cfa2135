"""Several jobs Active at once: slots go to higher priorities first, equal ones share, a
lower-priority job is pre-empted only when a higher one needs its slots, at most
``max_active_jobs`` run, a job's requests per second can be capped, and every task of
every job runs and is counted once, even across a kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from s3bo_cli.engine import scheduler
from s3bo_cli.engine.scheduler import Demand, Pacer, allocate
from tests.engine.conftest import drop_objects, job_args, put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "done", "Value": "yes"}]}}
NS = ("accounts", "123456789012", "us-east-1")


def seed(store, bucket, count):
    return put_manifest(store, drop_objects(store, bucket, count), key=f"{bucket}.csv")


def events(state_dir):
    path = state_dir.joinpath(*NS, "events.jsonl")
    return [
        (e["serviceEventDetails"]["jobId"], e["serviceEventDetails"]["status"])
        for e in map(json.loads, path.read_text().splitlines())
    ]


def most_active_at_once(state_dir) -> int:
    active: set[str] = set()
    most = 0
    for job_id, status in events(state_dir):
        if status == "Active":
            active.add(job_id)
        else:
            active.discard(job_id)
        most = max(most, len(active))
    return most


def path_of(state_dir, job_id):
    return [status for job, status in events(state_dir) if job == job_id]


# -- the plan ----------------------------------------------------------------------------


def demand(key, priority, wanted=1.0, created="2026-01-01T00:00:00Z"):
    return Demand(key, priority, created, wanted)


def test_higher_priority_takes_what_it_can_use_and_leaves_the_rest():
    assert allocate([demand("low", 1), demand("high", 9)], max_active=4) == {"high": 1.0}
    small = allocate([demand("low", 1), demand("high", 9, wanted=0.25)], max_active=4)
    assert small == {"high": 0.25, "low": 0.75}


def test_equal_priorities_share_and_the_limit_holds():
    shares = allocate([demand(k, 5) for k in "abc"], max_active=2)
    assert set(shares) == {"a", "b"} and shares["a"] == shares["b"] == 0.5
    thirds = allocate([demand(k, 5) for k in "abc"], max_active=4)
    assert sorted(thirds.values()) == [21 / 64, 21 / 64, 22 / 64]


def test_the_pacer_spaces_starts_by_the_rate(monkeypatch):
    now = [100.0]
    slept = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(scheduler.time, "sleep", sleep)
    pacer = Pacer(4.0, clock=lambda: now[0])
    for _ in range(5):
        pacer.wait()
    assert slept == pytest.approx([0.25, 0.25, 0.25, 0.25])


# -- the worker ----------------------------------------------------------------------------


def test_equal_priorities_run_at_once(s3bo, store, run_worker, state_dir):
    first = s3bo(*job_args(TAG_OP, seed(store, "one", 40), priority=5)).json["JobId"]
    second = s3bo(*job_args(TAG_OP, seed(store, "two", 40), priority=5)).json["JobId"]
    run_worker(concurrency=4)
    assert most_active_at_once(state_dir) == 2
    for job_id in (first, second):
        assert path_of(state_dir, job_id)[2:] == ["Ready", "Active", "Completing", "Complete"]


def test_no_more_than_max_active_jobs(s3bo, store, run_worker, state_dir, engine_settings):
    engine_settings["max_active_jobs"] = 2
    jobs = [
        s3bo(*job_args(TAG_OP, seed(store, f"bucket{i}", 20), priority=5)).json["JobId"]
        for i in range(3)
    ]
    run_worker(concurrency=4)
    assert most_active_at_once(state_dir) == 2
    for job_id in jobs:
        assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"] == "Complete"


def test_a_small_higher_priority_job_does_not_preempt(
    s3bo, store, run_worker, state_dir, act_at_task
):
    low = s3bo(*job_args(TAG_OP, seed(store, "low", 60), priority=1)).json["JobId"]
    small = seed(store, "small", 1)
    created = []
    act_at_task(5, lambda: created.append(s3bo(*job_args(TAG_OP, small, priority=90)).json))
    run_worker(concurrency=4)  # one task of the four slots: the low job keeps the rest
    high = created[0]["JobId"]
    assert "Pausing" not in path_of(state_dir, low)
    assert path_of(state_dir, high)[-3:] == ["Active", "Completing", "Complete"]
    assert most_active_at_once(state_dir) == 2


def test_a_large_higher_priority_job_preempts_until_it_is_done(
    s3bo, store, run_worker, state_dir, act_at_task
):
    low = s3bo(*job_args(TAG_OP, seed(store, "low", 60), priority=1)).json["JobId"]
    large = seed(store, "large", 30)
    created = []
    act_at_task(5, lambda: created.append(s3bo(*job_args(TAG_OP, large, priority=90)).json))
    run_worker(concurrency=4)  # thirty tasks want every slot
    high = created[0]["JobId"]
    assert path_of(state_dir, low)[3:] == [
        "Active", "Pausing", "Paused", "Active", "Completing", "Complete",
    ]  # fmt: skip
    order = events(state_dir)
    # Paused once the large job was Ready for its slots (it goes Active on a thread of its
    # own, so the two moves may come in either order); back when it no longer needed them.
    assert order.index((high, "Ready")) < order.index((low, "Pausing"))
    assert order.index((high, "Active")) < order.index(
        (low, "Active"), order.index((low, "Paused"))
    )
    assert s3bo("describe-job", "--job-id", high).json["Job"]["Status"] == "Complete"


def test_max_rps_from_the_option_or_the_tag_paces_every_task(s3bo, store, run_worker, monkeypatch):
    waits = []
    real_wait = Pacer.wait
    monkeypatch.setattr(Pacer, "wait", lambda self: (waits.append(self.interval), real_wait(self)))
    by_option = s3bo(*job_args(TAG_OP, seed(store, "opt", 3), "--max-rps", "500")).json["JobId"]
    run_worker()
    assert waits == [1 / 500] * 3
    waits.clear()
    tagged = job_args(TAG_OP, seed(store, "tag", 2), "--tags", "Key=s3bo:max-rps,Value=400")
    s3bo(*tagged)
    s3bo(*job_args(TAG_OP, seed(store, "free", 2)))  # no cap: no pacing
    run_worker()
    assert waits == [1 / 400] * 2
    assert s3bo("describe-job", "--job-id", by_option).json["Job"]["Status"] == "Complete"


def test_max_rps_is_local_only_and_positive(s3bo, store):
    manifest = seed(store, "xyz", 1)
    run = s3bo(*job_args(TAG_OP, manifest, "--max-rps", "0"))
    assert run.exit_code == 252 and "--max-rps" in run.stderr
    run = s3bo("--backend", "aws", *job_args(TAG_OP, manifest, "--max-rps", "5"))
    assert run.exit_code == 252 and "--max-rps" in run.stderr


# -- exactly once --------------------------------------------------------------------------

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
TASKS = 400


def test_several_active_jobs_killed_mid_run_lose_and_repeat_nothing(
    s3bo, store, state_dir, run_worker
):
    jobs = [
        s3bo(*job_args(TAG_OP, seed(store, f"bucket{i}", TASKS), priority=5)).json["JobId"]
        for i in range(3)
    ]
    results = [state_dir.joinpath(*NS, "jobs", job_id, "results.jsonl") for job_id in jobs]
    worker = subprocess.Popen([sys.executable, "-c", SLOW_WORKER, str(state_dir)])
    try:
        deadline = time.monotonic() + 120
        while not all(r.exists() and r.stat().st_size > 2_000 for r in results):
            assert worker.poll() is None, "the worker ended before it could be killed"
            assert time.monotonic() < deadline, "the jobs did not all start"
            time.sleep(0.01)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    assert [s3bo("describe-job", "--job-id", j).json["Job"]["Status"] for j in jobs] == [
        "Active"
    ] * 3  # all three were running at once when it died
    run_worker()
    for i, (job_id, path) in enumerate(zip(jobs, results, strict=True)):
        job = s3bo("describe-job", "--job-id", job_id).json["Job"]
        assert job["Status"] == "Complete"
        assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == TASKS
        indices = [json.loads(line)["index"] for line in path.read_text().splitlines()]
        assert sorted(indices) == list(range(TASKS))  # each task once: none lost, none twice
        assert store.get_object_tagging(f"bucket{i}", f"k{TASKS - 1}") == {"done": "yes"}
