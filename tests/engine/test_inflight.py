"""Many requests in flight, adapting: the slot pool's rules, and throttling over real HTTP."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from s3bo_cli.engine import inflight, taskpool
from s3bo_cli.engine.inflight import SlotPool
from s3bo_cli.engine.settings import EngineSettings
from s3bo_cli.engine.tasklog import TaskResult
from s3bo_cli.engine.worker import Worker
from s3bo_cli.model.manifest import ManifestEntry
from tests.engine.conftest import job_args, put_manifest

ENDPOINT = Path(__file__).resolve().parents[2] / "bench" / "s3endpoint.py"
TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}


def fill(pool: SlotPool) -> int:
    taken = 0
    while pool.try_acquire():
        taken += 1
    return taken


def test_a_pool_hands_out_no_more_slots_than_its_limit():
    pool = SlotPool(4, ceiling=8, slow_start=False)
    assert fill(pool) == 4
    pool.release(0.01)
    assert pool.try_acquire()
    assert not pool.try_acquire()


def test_before_any_decrease_the_limit_doubles_each_round_up_to_the_ceiling():
    clock = Clock()
    pool = SlotPool(8, ceiling=100, clock=clock)
    rounds(pool, clock, 1)
    assert pool.limit == 16
    rounds(pool, clock, 2)
    assert pool.limit == 64
    rounds(pool, clock, 1)
    assert pool.limit == 100  # never past the ceiling
    throttle_round(pool, clock, 1)  # the first decrease ends the doubling
    assert not pool.slow_start
    limit = pool._limit
    rounds(pool, clock, 1)  # just under the throttle point: a fifth of a slot a round
    assert pool._limit == pytest.approx(limit + inflight.PROBE_INCREASE, abs=0.05)


def test_a_slow_answer_also_ends_the_doubling():
    clock = Clock()
    pool = SlotPool(8, ceiling=1000, clock=clock)
    rounds(pool, clock, 2, latency=0.05)
    assert pool.limit == 32
    rounds(pool, clock, 3, latency=0.05 * inflight.LATENCY_TOLERANCE * 3)  # the endpoint is swamped
    assert not pool.slow_start and pool.limit < 64


def test_successes_open_about_one_slot_per_round_up_to_the_ceiling():
    pool = SlotPool(4, ceiling=6, slow_start=False)
    for _ in range(8):  # two rounds of about 4 requests at a steady latency
        assert pool.try_acquire()
        pool.release(0.05)
    assert pool.limit == 5  # 4 + 1/4 + 1/4.25 + ... = 5.7
    for _ in range(100):
        assert pool.try_acquire()
        pool.release(0.05)
    assert pool.limit == 6  # never past the ceiling


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def rounds(pool: SlotPool, clock: Clock, count: int, latency: float = 0.1) -> None:
    """``count`` round trips in which every slot's request succeeds."""
    for _ in range(count):
        taken = fill(pool)
        clock.now += latency
        for _ in range(taken):
            pool.release(latency)


def throttle_round(pool: SlotPool, clock: Clock, throttled: int, latency: float = 0.1) -> None:
    """A round trip in which ``throttled`` of the slots' requests are throttled (answered
    at once) and the rest succeed."""
    taken = fill(pool)
    clock.now += 0.001
    for _ in range(throttled):
        pool.release(0.001, throttled=True)
    clock.now += latency
    for _ in range(taken - throttled):
        pool.release(latency)


def test_a_throttle_shrinks_the_limit_by_the_factor_once_per_burst():
    clock = Clock()
    pool = SlotPool(100, ceiling=100, clock=clock)
    rounds(pool, clock, 1)
    before = pool._limit
    throttle_round(pool, clock, 3)  # sent together: one burst, one signal
    assert pool.limit == int(before * inflight.THROTTLE_DECREASE)
    assert pool.throttles == 3
    once = pool._limit
    throttle_round(pool, clock, 1)  # sent after the decrease: a new signal
    assert pool.limit == int(once * inflight.THROTTLE_DECREASE)


def test_far_more_throttles_than_successes_bring_the_limit_down_to_what_succeeded():
    clock = Clock()
    pool = SlotPool(64, ceiling=128, clock=clock)
    throttle_round(pool, clock, 56)  # the endpoint takes 8 of the 64 at once
    assert pool.limit == int(64 * inflight.THROTTLE_DECREASE)  # no round trip known yet
    taken = fill(pool)  # the next round trip: 8 taken again, the rest throttled
    clock.now += 0.001
    for _ in range(taken - 8):
        pool.release(0.001, throttled=True)
    assert pool.limit == 8


def test_far_below_the_last_throttle_point_the_limit_grows_several_slots_a_round():
    clock = Clock()
    pool = SlotPool(64, ceiling=128, clock=clock)
    throttle_round(pool, clock, 56)
    throttle_round(pool, clock, pool.limit - 8)  # down to the 8 the endpoint took
    point = pool._throttle_point
    assert point is not None and pool.limit <= 8 + inflight.RECOVERY_STEPS
    rounds(pool, clock, 4)  # one slot a round would be 12 or so by now
    assert 8 + 4 * 3 <= pool.limit < point * (1 - inflight.SETTLE_MARGIN)


def test_a_few_throttles_among_many_successes_shrink_by_the_factor_only():
    clock = Clock()
    pool = SlotPool(20, ceiling=128, clock=clock)
    rounds(pool, clock, 3)
    before = pool._limit
    throttle_round(pool, clock, 1)
    assert pool.limit == int(before * inflight.THROTTLE_DECREASE)


def test_growing_back_slows_just_under_the_last_throttle_point():
    clock = Clock()
    pool = SlotPool(40, ceiling=1000, slow_start=False, clock=clock)
    rounds(pool, clock, 1)
    point = pool._limit
    throttle_round(pool, clock, 1)
    assert pool.limit < point * (1 - inflight.SETTLE_MARGIN) + 1
    rounds(pool, clock, 10)  # a plain one-slot-a-round increase would be past 41 by now
    assert point * (1 - inflight.SETTLE_MARGIN) <= pool.limit < point
    rounds(pool, clock, 60)  # never throttled again: it passes the point and forgets it
    assert pool.limit > point * (1 + inflight.SETTLE_MARGIN)
    assert pool._throttle_point is None
    grown = pool._limit
    rounds(pool, clock, 5)
    assert pool._limit == pytest.approx(grown + 5, abs=0.5)  # one slot a round again


def test_pools_dividing_an_endpoint_grow_together_as_one_would():
    clock = Clock()
    one = SlotPool(10, ceiling=1000, slow_start=False, clock=clock)
    halves = [
        SlotPool(5, ceiling=1000, increase=0.5, slow_start=False, clock=clock) for _ in range(2)
    ]
    for _ in range(20):
        rounds(one, clock, 1)
        for pool in halves:
            rounds(pool, clock, 1)
    assert one._limit == pytest.approx(30, abs=1)
    assert sum(pool._limit for pool in halves) == pytest.approx(one._limit, abs=1)


def test_a_jobs_task_processes_each_grow_by_their_share():
    settings = EngineSettings(max_in_flight=256).share(4)
    slots = settings.slots(remote=True)
    assert (slots.ceiling, slots.increase) == (64, 0.25)
    assert EngineSettings(max_in_flight=256).slots(remote=True).increase == 1


def against_throttling_endpoint(pools: list[SlotPool], clock: Clock, above: int, count: int):
    """``count`` round trips against an endpoint that takes ``above`` requests at once,
    from whichever pool, and throttles the rest (answered at once); the total limit
    after each round."""
    totals = []
    for _ in range(count):
        sent = [fill(pool) for pool in pools]
        order = sorted(
            ((i, pool) for pool, taken in zip(pools, sent, strict=True) for i in range(taken)),
            key=lambda request: request[0],
        )  # the pools' requests interleaved, as they arrive
        taken_by = {id(pool): 0 for pool in pools}
        for _, pool in order[:above]:
            taken_by[id(pool)] += 1
        clock.now += 0.001
        for _, pool in order[above:]:
            pool.release(0.001, throttled=True)
        clock.now += 0.1
        for pool in pools:
            for _ in range(taken_by[id(pool)]):
                pool.release(0.1)
        totals.append(sum(pool._limit for pool in pools))
    return totals


@pytest.mark.parametrize("processes", [1, 2, 4])
def test_the_limit_settles_just_under_the_throttle_point(processes):
    clock = Clock()
    pools = [
        SlotPool(128 // processes, ceiling=256, increase=1 / processes, clock=clock)
        for _ in range(processes)
    ]
    totals = against_throttling_endpoint(pools, clock, above=32, count=300)
    assert totals[5] < 40  # from 128 down to about what the endpoint takes, at once
    settled = totals[50:]
    assert sum(settled) / len(settled) >= 0.85 * 32  # not far below the point ...
    assert max(settled) < 32 * 1.2  # ... nor far above it
    throttled_rounds = sum(1 for a, b in itertools.pairwise(settled) if b < a)
    assert throttled_rounds <= len(settled) // 8  # mostly just under it


def test_latency_far_above_the_lowest_seen_shrinks_the_limit():
    clock = Clock()
    pool = SlotPool(50, ceiling=100, clock=clock)
    rounds(pool, clock, 1, latency=0.01)
    grown = pool.limit
    rounds(pool, clock, 10, latency=1.0)  # a hundred times slower: the endpoint is struggling
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
    clock = Clock()
    pool = SlotPool(1000, ceiling=10, floor=2, clock=clock)
    assert pool.limit == 10
    for _ in range(50):
        clock.now += 1  # every throttle its own burst
        pool.try_acquire()
        pool.release(0.1, throttled=True)
    assert pool.limit == 2


def test_a_throttled_task_takes_a_freed_slot_before_tasks_not_yet_started(monkeypatch):
    slots = SlotPool(2, adaptive=False)
    started: list[int] = []
    first_done = threading.Event()
    second_started = threading.Event()

    def run_one(index, entry, *, retry=None):
        started.append(index)
        if index == 1:
            second_started.set()
            assert first_done.wait(120)  # holds its slot until the retry waits for one
        if index == 0:
            assert second_started.wait(120)  # both slots taken before task 0 is throttled
            failed = TaskResult(index, "b", "k", None, "failed", 503, "SlowDown")
            assert retry is not None and retry(failed)  # retried once a slot is free
            started.append(-1)  # task 0 again
        return TaskResult(index, "b", "k", None, "succeeded", 200)

    # While task 0 backs off, its slot is taken elsewhere: every slot is in use.
    monkeypatch.setattr(taskpool, "backoff", lambda attempt: slots.try_acquire() and 0.0)
    done = []
    with taskpool.TaskPool(run_one, slots) as pool:
        for index in range(4):
            pool.submit(index, ManifestEntry("b", f"k{index}"))
        deadline = time.monotonic() + 120  # a bound for a stuck pool, not a timing
        while pool._retrying == 0 and time.monotonic() < deadline:
            time.sleep(0.001)
        first_done.set()  # task 1 ends: its slot goes to task 0's retry, not to task 2
        while len(done) < 4 and time.monotonic() < deadline:
            done += pool.collect(1.0)
    assert sorted(r.index for r in done) == [0, 1, 2, 3]
    assert sorted(started[:2]) == [0, 1]
    assert started[2:] == [-1, 2, 3]


# -- throttling over real HTTP ---------------------------------------------------------


class Endpoints:
    """bench/s3endpoint.py in processes of their own; call with the throttle to use."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []
        self.counters: list[dict[str, int]] = []  # of each endpoint stopped, in order

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
            out, _ = proc.communicate(timeout=30)
            self.counters.append(json.loads(out.strip().splitlines()[-1]))
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


def test_a_throttled_task_repeats_only_its_throttled_request(
    s3bo, state_dir, endpoint, monkeypatch
):
    monkeypatch.setattr(taskpool, "BACKOFF_BASE", 0.001)
    monkeypatch.setattr(taskpool, "MAX_ATTEMPTS", 100)
    url = endpoint(throttle_above=2)
    job_id = tag_job(s3bo, url, 60)  # with before-images (a read of the tags, and a HEAD)
    Worker(state_dir, settings=EngineSettings(max_in_flight=32)).run(burst=True)
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 60
    endpoint.stop_all()
    (counters,) = endpoint.counters
    assert counters["throttled"] > 0
    assert counters["tagged"] == 60
    assert counters["tag_reads"] == 60  # each before-image read once, retries or not


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


def test_remote_slots_start_at_half_the_ceiling_and_local_ones_stay_fixed():
    """On an S3 endpoint the limit starts at half its ceiling and adapts (a start at the
    ceiling overshoots a throttling endpoint further than it gains); on a local store it
    is the fixed concurrency."""
    settings = EngineSettings(max_in_flight=300, concurrency=6)
    remote, local = settings.slots(remote=True), settings.slots(remote=False)
    assert (remote.limit, remote.ceiling, remote.adaptive) == (150, 300, True)
    assert (local.limit, local.ceiling, local.adaptive) == (6, 6, False)
