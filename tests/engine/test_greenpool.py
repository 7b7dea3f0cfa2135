"""Tasks on an event loop: the task pool's contract, and task processes on an S3 endpoint."""

from __future__ import annotations

import os
import random
import signal
import uuid
from typing import Any

import pytest

from s3bo_cli import greenio
from s3bo_cli.engine import taskpool
from s3bo_cli.engine.greenpool import GreenTaskPool, on_event_loop
from s3bo_cli.engine.inflight import SlotPool
from s3bo_cli.engine.tasklog import TaskResult
from s3bo_cli.greenio import Loop
from s3bo_cli.model.manifest import ManifestEntry
from tests.engine.conftest import job_args, put_manifest
from tests.engine.test_processes import (
    REPORT,
    TAG_OP,
    assert_each_task_once,
    children_of,
    job_dir,
    start_worker,
    wait_for_results,
)


class Signal:
    """Tasks wait on it until the test sets it (an event for greenlets)."""

    def __init__(self, loop: Loop) -> None:
        self.loop = loop
        self.waiters: list[Any] = []
        self.is_set = False

    def wait(self) -> None:
        if not self.is_set:
            self.waiters.append(self.loop.current())
            self.loop.park()

    def set(self) -> None:
        self.is_set = True
        for waiter in self.waiters:
            self.loop.resume(waiter)
        self.waiters.clear()


def ok(index: int) -> TaskResult:
    return TaskResult(index, "b", f"k{index}", None, "succeeded", 200)


def collect_all(pool: GreenTaskPool, count: int) -> list[TaskResult]:
    done: list[TaskResult] = []
    while len(done) < count:
        done += pool.collect(60)
    assert pool.pending == 0
    return done


def test_every_task_runs_once_with_as_many_in_flight_as_slots() -> None:
    loop = Loop()
    in_flight = [0, 0]  # now, most

    def run_one(index: int, entry: ManifestEntry, *, retry: Any = None) -> TaskResult:
        in_flight[0] += 1
        in_flight[1] = max(in_flight[1], in_flight[0])
        greenio.sleep(0.001)  # waits as a request does: the other tasks run
        in_flight[0] -= 1
        return ok(index)

    pool = GreenTaskPool(run_one, SlotPool(16, adaptive=False), loop)
    for index in range(200):
        pool.submit(index, ManifestEntry("b", f"k{index}"))
    done = collect_all(pool, 200)
    assert sorted(r.index for r in done) == list(range(200))
    assert in_flight[1] == 16


def test_stop_leaves_queued_tasks_unstarted_and_lets_running_ones_finish() -> None:
    loop = Loop()
    release = Signal(loop)
    started: list[int] = []

    def run_one(index: int, entry: ManifestEntry, *, retry: Any = None) -> TaskResult:
        started.append(index)
        release.wait()
        return ok(index)

    pool = GreenTaskPool(run_one, SlotPool(3, adaptive=False), loop)
    for index in range(10):
        pool.submit(index, ManifestEntry("b", f"k{index}"))
    assert pool.collect(0.01) == []  # three running, seven queued
    pool.stop()
    release.set()
    done = collect_all(pool, 3)
    assert sorted(r.index for r in done) == started == [0, 1, 2]


def waiting_on_sockets(count: int) -> tuple[Any, list[Any], list[Any]]:
    """A run_one whose task ``i`` waits until the far end of socket pair ``i`` writes;
    the near ends and the far ends."""
    import socket

    pairs = [socket.socketpair() for _ in range(count)]

    def run_one(index: int, entry: ManifestEntry, *, retry: Any = None) -> TaskResult:
        near = pairs[index][0]
        greenio.wait_io(near.fileno())
        near.recv(1)
        return ok(index)

    return run_one, [near for near, _ in pairs], [far for _, far in pairs]


@pytest.mark.parametrize("every", [0.01, 0.0])  # checkpoint_seconds may be 0
def test_a_pool_stopped_by_its_feeder_still_hears_its_running_tasks_answers(every) -> None:
    """The runner calls stop() at every turn once a job must stop (a pause, a fault) and
    collects until nothing runs: each collect must still look at the sockets."""
    run_one, near_ends, far_ends = waiting_on_sockets(3)
    pool = GreenTaskPool(run_one, SlotPool(3, adaptive=False), Loop())
    for index in range(3):
        pool.submit(index, ManifestEntry("b", f"k{index}"))
    assert pool.collect(every) == []  # all three wait on their sockets
    for far in far_ends:
        far.send(b"x")
    done: list[TaskResult] = []
    for _ in range(200):  # as the runner's loop does after a pause
        pool.stop()
        done += pool.collect(every)
        if not pool.pending:
            break
    pool.close()
    for sock in near_ends + far_ends:
        sock.close()
    assert sorted(r.index for r in done) == [0, 1, 2]


def test_a_task_greenlet_goes_on_to_the_next_task() -> None:
    """A new greenlet costs a fresh frame stack (an mmap, then page faults): a pool of
    four slots runs 200 tasks on a handful of greenlets, not 200."""
    from greenlet import getcurrent

    ran_on: set[int] = set()

    def run_one(index: int, entry: ManifestEntry, *, retry: Any = None) -> TaskResult:
        ran_on.add(id(getcurrent()))
        greenio.sleep(0)
        return ok(index)

    with GreenTaskPool(run_one, SlotPool(4, adaptive=False), Loop()) as pool:
        for index in range(200):
            pool.submit(index, ManifestEntry("b", f"k{index}"))
        assert sorted(r.index for r in collect_all(pool, 200)) == list(range(200))
        assert len(ran_on) <= 5
        idle = list(pool._idle)
    assert idle and all(greenlet.dead for greenlet in idle)  # closing ended them


def until_a_task_waits_to_retry(pool: GreenTaskPool, tasks: int) -> GreenTaskPool:
    """``tasks`` submitted, the loop turned until a throttled one waits for a slot."""
    for index in range(tasks):
        pool.submit(index, ManifestEntry("b", f"k{index}"))
    while not pool._retrying:
        pool.collect(0.01)
    return pool


def test_a_throttled_task_takes_a_freed_slot_before_tasks_not_yet_started(monkeypatch) -> None:
    loop = Loop()
    first_done, second_done = Signal(loop), Signal(loop)
    started: list[int] = []

    def run_one(index: int, entry: ManifestEntry, *, retry: Any = None) -> TaskResult:
        started.append(index)
        if index == 0:
            greenio.sleep(0)  # task 1 takes the other slot
            failed = TaskResult(index, "b", "k", None, "failed", 503, "SlowDown")
            assert retry is not None and retry(failed)  # its slot went to task 2 meanwhile
            started.append(-1)  # task 0 again
        if index == 1:
            first_done.wait()
        if index == 2:
            second_done.wait()
        return ok(index)

    monkeypatch.setattr(taskpool, "backoff", lambda attempt: 0.0)
    pool = until_a_task_waits_to_retry(GreenTaskPool(run_one, SlotPool(2, adaptive=False), loop), 4)
    first_done.set()  # task 1 ends: its slot goes to task 0's retry, not to task 3
    second_done.set()
    done = collect_all(pool, 4)
    assert sorted(r.index for r in done) == [0, 1, 2, 3]
    assert started == [0, 1, 2, -1, 3]


def test_a_throttled_task_waiting_for_a_slot_is_dropped_by_stop(monkeypatch) -> None:
    loop = Loop()
    hold = Signal(loop)

    def run_one(index: int, entry: ManifestEntry, *, retry: Any = None) -> TaskResult:
        if index == 0:
            greenio.sleep(0)
            failed = TaskResult(index, "b", "k", None, "failed", 503, "SlowDown")
            assert retry is not None and not retry(failed)  # the pool stopped meanwhile
            return failed
        hold.wait()
        return ok(index)

    monkeypatch.setattr(taskpool, "backoff", lambda attempt: 0.0)
    pool = until_a_task_waits_to_retry(GreenTaskPool(run_one, SlotPool(2, adaptive=False), loop), 3)
    pool.stop()
    hold.set()
    done = collect_all(pool, 2)  # tasks 1 and 2; task 0 stays to do
    assert sorted(r.index for r in done) == [1, 2]


def test_a_closed_pool_leaves_no_descriptor_open() -> None:
    def open_descriptors() -> int:
        return len(os.listdir("/proc/self/fd"))

    def run_one(index: int, entry: ManifestEntry, *, retry: Any = None) -> TaskResult:
        greenio.sleep(0)
        return ok(index)

    before = open_descriptors()
    for _ in range(20):  # a worker running job after job in its own process
        with GreenTaskPool(run_one, SlotPool(4, adaptive=False), Loop()) as pool:
            for index in range(8):
                pool.submit(index, ManifestEntry("b", f"k{index}"))
            collect_all(pool, 8)
    assert open_descriptors() == before


def test_only_metadata_operations_on_a_cooperative_store_run_on_a_loop() -> None:
    class Cooperative:
        cooperative = True

    assert on_event_loop(Cooperative(), "S3PutObjectTagging")
    assert not on_event_loop(Cooperative(), "S3PutObjectCopy")  # its CopyObject is boto3's
    assert not on_event_loop(Cooperative(), "LambdaInvoke")
    assert not on_event_loop(object(), "S3PutObjectTagging")  # the DirStore


# -- task processes on an S3 endpoint -------------------------------------------------


TASKS = 1100  # two processes' worth


def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


@pytest.mark.parametrize("seed", [5, pytest.param(6, marks=pytest.mark.slow)])
def test_task_processes_on_an_s3_endpoint_run_on_one_thread_and_survive_kill_9(
    s3bo, state_dir, moto_endpoint, seed
):
    from s3bo_cli.stores.s3store import S3Store

    store = S3Store(endpoint_url=moto_endpoint)
    photos, reports = f"photos-{uuid.uuid4().hex[:8]}", f"reports-{uuid.uuid4().hex[:8]}"
    store.create_bucket(photos)
    store.create_bucket(reports)
    for i in range(TASKS):
        store.put_object(photos, f"k{i}", b"x")
    manifest = put_manifest(store, [(photos, f"k{i}") for i in range(TASKS)])
    report = {**REPORT, "Bucket": f"arn:aws:s3:::{reports}"}
    created = s3bo("--s3-endpoint-url", moto_endpoint, *job_args(TAG_OP, manifest, report=report))
    job_id = created.json["JobId"]
    results = job_dir(state_dir, job_id) / "results.jsonl"
    worker = start_worker(state_dir, 2)
    rng = random.Random(seed)
    try:
        wait_for_results(worker, results, rng.randrange(50, TASKS // 2))
        children = children_of(worker.pid)
        assert len(children) == 2, children
        # Each runs its share of the 512 slots on its event loop: one thread, not hundreds.
        assert [thread_count(pid) for pid in children] == [1, 1]
        os.kill(rng.choice(children), signal.SIGKILL)
        assert worker.wait(timeout=120) == 0  # it carried on without the killed process
    finally:
        if worker.poll() is None:
            worker.kill()
    assert_each_task_once(s3bo, _Renamed(store, photos, reports), state_dir, job_id, TASKS)


class _Renamed:
    """The store, with this test's bucket names where the shared checks name theirs."""

    def __init__(self, store: Any, photos: str, reports: str) -> None:
        self.store = store
        self.names = {"photos": photos, "reports": reports}

    def get_object_tagging(self, bucket: str, key: str) -> dict[str, str]:
        return self.store.get_object_tagging(self.names[bucket], key)

    def get_object(self, bucket: str, key: str) -> Any:
        return self.store.get_object(self.names[bucket], key)
