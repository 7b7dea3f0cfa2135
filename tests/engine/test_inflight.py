"""Many requests in flight, adapting: the slot pool's rules, and throttling over real HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from s3bo_cli.engine import taskpool
from s3bo_cli.engine.inflight import SlotPool
from s3bo_cli.engine.settings import EngineSettings
from s3bo_cli.engine.worker import Worker
from tests.engine.conftest import job_args, put_manifest

ENDPOINT = Path(__file__).resolve().parents[2] / "bench" / "s3endpoint.py"
TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}


def fill(pool: SlotPool) -> int:
    taken = 0
    while pool.try_acquire():
        taken += 1
    return taken


def test_a_pool_hands_out_no_more_slots_than_its_limit():
    pool = SlotPool(4, ceiling=8)
    assert fill(pool) == 4
    pool.release(0.01)
    assert pool.try_acquire()
    assert not pool.try_acquire()


def test_successes_open_about_one_slot_per_round_up_to_the_ceiling():
    pool = SlotPool(4, ceiling=6)
    for _ in range(8):  # two rounds of about 4 requests at a steady latency
        assert pool.try_acquire()
        pool.release(0.05)
    assert pool.limit == 5  # 4 + 1/4 + 1/4.25 + ... = 5.7
    for _ in range(100):
        assert pool.try_acquire()
        pool.release(0.05)
    assert pool.limit == 6  # never past the ceiling


def test_a_throttle_shrinks_the_limit_once_per_round_trip():
    pool = SlotPool(100, ceiling=100)
    for _ in range(10):
        pool.try_acquire()
        pool.release(60.0)  # a round trip this long: later throttles are the same burst
    before = pool.limit
    for _ in range(5):
        pool.try_acquire()
        pool.release(throttled=True)
    assert pool.limit == int(before * 0.7)
    assert pool.throttles == 5


def test_latency_far_above_the_lowest_seen_shrinks_the_limit():
    pool = SlotPool(50, ceiling=100)
    for _ in range(20):
        pool.try_acquire()
        pool.release(0.01)
    grown = pool.limit
    for _ in range(200):
        pool.try_acquire()
        pool.release(1.0)  # a hundred times slower: the endpoint is struggling
    assert pool.limit < grown


def test_a_fixed_pool_never_adapts():
    pool = SlotPool(8, adaptive=False)
    for _ in range(50):
        pool.try_acquire()
        pool.release(0.01)
    pool.try_acquire()
    pool.release(throttled=True)
    assert pool.limit == 8


def test_the_limit_stays_between_floor_and_ceiling():
    pool = SlotPool(1000, ceiling=10, floor=2)
    assert pool.limit == 10
    for _ in range(50):
        pool.release(throttled=True)
        pool._last_decrease = 0.0  # every throttle its own round trip
    assert pool.limit == 2


# -- throttling over real HTTP ---------------------------------------------------------


@pytest.fixture
def endpoint():
    """bench/s3endpoint.py in its own process; call it with the throttle to use."""
    started = []

    def start(throttle_above: int) -> str:
        proc = subprocess.Popen(
            [sys.executable, str(ENDPOINT), "--latency", "0.005",
             "--throttle-above", str(throttle_above)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        started.append(proc)
        return proc.stdout.readline().strip()

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(timeout=30)


def tag_job(s3bo, url: str, count: int) -> str:
    from s3bo_cli.stores.s3store import S3Store

    store = S3Store(endpoint_url=url)
    store.create_bucket("data")
    manifest = put_manifest(store, [("data", f"k{i}") for i in range(count)])
    run = s3bo("--s3-endpoint-url", url, *job_args(TAG_OP, manifest))
    assert run.exit_code == 0, run
    return run.json["JobId"]


def results(state_dir, job_id) -> list[dict]:
    path = state_dir / "accounts" / "123456789012" / "us-east-1" / "jobs" / job_id
    return [json.loads(line) for line in (path / "results.jsonl").read_text().splitlines()]


def test_throttled_tasks_are_retried_not_failed(s3bo, state_dir, endpoint, monkeypatch):
    monkeypatch.setattr(taskpool, "BACKOFF_BASE", 0.001)
    url = endpoint(throttle_above=2)  # far below the 32 the worker starts with
    job_id = tag_job(s3bo, url, 150)
    Worker(state_dir, settings=EngineSettings(max_in_flight=64)).run(burst=True)
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 150
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 0
    assert sorted(r["index"] for r in results(state_dir, job_id)) == list(range(150))


def test_a_task_throttled_until_its_attempts_run_out_fails_with_slowdown(
    s3bo, state_dir, endpoint, monkeypatch
):
    monkeypatch.setattr(taskpool, "BACKOFF_BASE", 0.001)
    monkeypatch.setattr(taskpool, "MAX_ATTEMPTS", 3)
    url = endpoint(throttle_above=0)  # every task's request is throttled
    job_id = tag_job(s3bo, url, 5)
    Worker(state_dir, settings=EngineSettings(max_in_flight=8)).run(burst=True)
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 5
    rows = results(state_dir, job_id)
    assert len(rows) == 5
    assert {(r["http_status"], r["error_code"]) for r in rows} == {(503, "SlowDown")}
