"""The worker notices new work promptly and queued jobs never hold up running ones.

* Commands ring the worker's doorbell (engine/wakeup.py) when they give it work: a
  running worker schedules then, not at its next scan.
* Queued jobs are prepared most important first; while jobs run, only one more
  important than a running job is prepared on the scheduler's way, the rest in the
  background, never on a running job's thread.

No test depends on timing: where the worker must act while a job runs, a task of
that job waits until it has (and the test fails if it never does).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from s3bo_cli.engine import runner as runner_module
from s3bo_cli.engine.jobstore import JobStore
from s3bo_cli.engine.wakeup import Doorbell, ring, wake_path
from s3bo_cli.engine.worker import PREPARE_AT_ONCE, Worker
from s3bo_cli.state.layout import Namespace
from tests.conftest import create_args
from tests.engine.conftest import job_args
from tests.engine.test_multi_active import path_of, seed

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "done", "Value": "yes"}]}}
#: Far longer than any test: the scheduler's periodic scan never comes.
NEVER = 3600.0
WAITING = ("New", "Preparing", "Ready")
#: How long a waiting task gives the worker before the test fails.
PATIENCE = 60.0


def status(state_dir, job_id) -> str:
    jobs = JobStore(Namespace(state_dir, "123456789012", "us-east-1"))
    return str(jobs.load(job_id)["job"]["Status"])


def wait_for(predicate) -> bool:
    deadline = time.monotonic() + PATIENCE
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_commands_that_give_the_worker_work_ring_its_doorbell(s3bo, state_dir, make_job):
    bell = Doorbell(state_dir)  # as a starting worker makes it
    assert not bell.rung()
    job_id = make_job()
    assert bell.rung() and not bell.rung()
    s3bo("update-job-priority", "--job-id", job_id, "--priority", "7")
    assert bell.rung()
    s3bo("describe-job", "--job-id", job_id)
    assert not bell.rung()
    assert wake_path(state_dir).stat().st_size == 2


def test_ringing_where_no_worker_ever_ran_makes_nothing(state_dir):
    ring(state_dir)
    assert not wake_path(state_dir).parent.exists()


def test_queued_jobs_are_prepared_most_important_first(s3bo, state_dir, make_job):
    low = make_job(priority=1)
    high = make_job(priority=9)
    Worker(state_dir).run_once()
    assert status(state_dir, high) == "Failed"  # its manifest is missing
    assert status(state_dir, low) == "New"


def test_a_job_created_while_another_runs_is_scheduled_at_the_ring(
    s3bo, store, state_dir, run_worker, engine_settings
):
    """With the periodic scan never due, only the doorbell can bring the new job in:
    a task of the running job waits until the new one is Active."""
    low = s3bo(*job_args(TAG_OP, seed(store, "low", 20), priority=1)).json["JobId"]
    large = seed(store, "large", 30)
    created: dict[str, str] = {}
    seen: list[bool] = []
    real = runner_module.ops.get("S3PutObjectTagging")
    calls = [0]

    def tagging(ctx: Any, entry: Any) -> Any:
        calls[0] += 1
        if calls[0] == 3:
            created["high"] = s3bo(*job_args(TAG_OP, large, priority=90)).json["JobId"]
            seen.append(wait_for(lambda: status(state_dir, created["high"]) not in WAITING))
        return real(ctx, entry)

    # A checkpoint after every task: the low job stops at the first one after the
    # waiting task, wherever the rest of its tasks would have got to.
    engine_settings.update(
        operations=lambda name: tagging, checkpoint_seconds=0.0, scan_interval=NEVER
    )
    run_worker(concurrency=1)
    assert seen == [True]
    high = created["high"]
    assert path_of(state_dir, high)[-3:] == ["Active", "Completing", "Complete"]
    assert path_of(state_dir, low)[-2:] == ["Completing", "Complete"]
    assert "Paused" in path_of(state_dir, low)  # the large job took every slot


def test_a_queue_is_prepared_off_the_running_jobs_thread(
    s3bo, store, state_dir, run_worker, engine_settings, monkeypatch
):
    """Jobs queued behind a running one (here each fails at Preparing) are prepared
    in the background while it runs, none on its thread; one that outranks it is
    prepared at once."""
    running = s3bo(*job_args(TAG_OP, seed(store, "run", 20), priority=5)).json["JobId"]
    prepared_on: dict[str, str] = {}
    real_prepare = runner_module.JobRunner.prepare

    def prepare(self: Any, record: dict[str, Any]) -> None:
        prepared_on[self.job_id] = threading.current_thread().name
        real_prepare(self, record)

    queued: list[str] = []
    real = runner_module.ops.get("S3PutObjectTagging")
    calls = [0]
    settled: list[bool] = []

    def tagging(ctx: Any, entry: Any) -> Any:
        calls[0] += 1
        if calls[0] == 2:
            for priority in (1, 5, 9):
                queued.append(s3bo(*create_args(priority=priority)).json["JobId"])
            settled.append(wait_for(lambda: all(status(state_dir, j) == "Failed" for j in queued)))
        return real(ctx, entry)

    monkeypatch.setattr(runner_module.JobRunner, "prepare", prepare)
    engine_settings.update(
        operations=lambda name: tagging, checkpoint_seconds=0.0, scan_interval=0.0
    )
    run_worker(concurrency=1)
    assert settled == [True]
    assert status(state_dir, running) == "Complete"
    threads = {job_id: prepared_on[job_id] for job_id in queued}
    # The two that do not outrank the running job; the third may pre-empt it, so it is
    # prepared on the scheduler's way, wherever that runs.
    assert threads[queued[0]] == threads[queued[1]] == "s3bo-backlog", threads


def test_a_job_that_can_run_does_not_wait_behind_a_queue(s3bo, store, state_dir, make_job):
    ready = s3bo(*job_args(TAG_OP, seed(store, "now", 5), priority=1)).json["JobId"]
    Worker(state_dir).run_once()  # prepared: Ready
    queued = [make_job(priority=1) for _ in range(3)]  # each would fail at Preparing
    Worker(state_dir).run_once(together=PREPARE_AT_ONCE)
    assert status(state_dir, ready) == "Complete"
    assert {status(state_dir, job_id) for job_id in queued} <= {"New", "Failed"}
