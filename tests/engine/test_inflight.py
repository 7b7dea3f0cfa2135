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


class Endpoints:
    """bench/s3endpoint.py in processes of their own; call with the throttle to use."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def __call__(self, throttle_above: int) -> str:
        proc = subprocess.Popen(
            [sys.executable, str(ENDPOINT), "--latency", "0.005",
             "--throttle-above", str(throttle_above)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.started.append(proc)
        return proc.stdout.readline().strip()

    def stop_all(self) -> None:
        for proc in self.started:
            proc.terminate()
            proc.wait(timeout=30)
            proc.stdout.close()
        self.started.clear()


@pytest.fixture
def endpoint():
    endpoints = Endpoints()
    yield endpoints
    endpoints.stop_all()


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
    monkeypatch.setattr(taskpool, "BACKOFF_CAP", 0.05)
    monkeypatch.setattr(taskpool, "MAX_ATTEMPTS", 100)  # quick back-offs: allow more of them
    url = endpoint(throttle_above=2)  # far below the 32 the worker starts with
    job_id = tag_job(s3bo, url, 150)
    Worker(state_dir, settings=EngineSettings(max_in_flight=64)).run(burst=True)
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == "Complete"
    failed = [r for r in results(state_dir, job_id) if r["status"] != "succeeded"]
    assert failed == []
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


def test_a_lost_connection_is_retried_then_reported_as_service_unavailable(
    s3bo, state_dir, endpoint, monkeypatch
):
    url = endpoint(throttle_above=1000)
    job_id = tag_job(s3bo, url, 3)
    worker = Worker(state_dir, settings=EngineSettings(max_in_flight=4))
    worker.run_once()  # prepared (the manifest read), Ready
    endpoint.stop_all()  # now nothing answers on that port
    waits = []
    monkeypatch.setattr(taskpool, "MAX_ATTEMPTS", 3)
    monkeypatch.setattr(taskpool, "backoff", lambda attempt: waits.append(attempt) or 0.0)
    worker.run(burst=True)
    rows = results(state_dir, job_id)
    assert {(r["http_status"], r["error_code"]) for r in rows} == {(503, "ServiceUnavailable")}
    assert sorted(waits) == [0, 0, 0, 1, 1, 1]  # each task: two back-offs, three attempts


def test_missing_credentials_fail_a_task_at_once_as_access_denied(endpoint, monkeypatch, tmp_path):
    from s3bo_cli.errors import S3Error
    from s3bo_cli.stores.s3store import S3Store

    url = endpoint(throttle_above=1000)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    store = S3Store(endpoint_url=url, in_flight=4)
    with pytest.raises(S3Error) as caught:
        store.put_object_tagging("data", "k", {"a": "b"})
    assert (caught.value.code, caught.value.http_status) == ("AccessDenied", 403)
