"""What happens when users act while the engine is in the middle of something."""

from __future__ import annotations

import json
import threading

import pytest

from s3bo_cli import ops
from s3bo_cli.engine.taskpool import TaskPool
from s3bo_cli.engine.worker import Worker
from tests.engine.conftest import drop_objects, job_args, put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}
REPORT = {"Bucket": "arn:aws:s3:::reports", "Format": "Report_CSV_20180820", "Enabled": True}


def seeded(s3bo, store, count, *extra, missing=0, report=None):
    present = drop_objects(store, "photos", count)
    rows = [("photos", f"gone{i}") for i in range(missing)] + present
    return s3bo(*job_args(TAG_OP, put_manifest(store, rows), *extra, report=report)).json["JobId"]


def summary(s3bo, job_id):
    return s3bo("describe-job", "--job-id", job_id).json["Job"]


def test_a_cancel_during_the_last_task_keeps_every_result_and_the_report(
    s3bo, store, run_worker, act_at_task
):
    store.create_bucket("reports")
    job_id = seeded(s3bo, store, 5, report=REPORT)
    act_at_task(5, lambda: s3bo("update-job-status", "--job-id", job_id,
                                "--requested-job-status", "Cancelled"))  # fmt: skip
    run_worker(concurrency=1)
    job = summary(s3bo, job_id)
    assert job["Status"] == "Cancelled"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 5
    manifest = json.loads(store.get_object("reports", f"job-{job_id}/manifest.json").read())
    rows = store.get_object("reports", manifest["Results"][0]["Key"]).read().splitlines()
    assert len(rows) == 5


@pytest.fixture
def hold_tasks_after(monkeypatch, engine_settings):
    """Tasks after the ``n``th wait until the runner has given up the queued ones.

    So that which tasks ran does not depend on timing: when the runner decides to
    stop, the started tasks are exactly those the pool's threads hold, and the rest
    are still queued. The ``n``th task runs ``action`` first.
    """

    def install(n, action=None):
        real_op, real_stop = ops.get("S3PutObjectTagging"), TaskPool.stop
        released, lock, calls = threading.Event(), threading.Lock(), [0]

        def op(ctx, entry):
            with lock:
                calls[0] += 1
                number = calls[0]
            if number == n and action is not None:
                action()
            elif number > n:
                released.wait(timeout=60)
            return real_op(ctx, entry)

        def watching_stop(pool):
            real_stop(pool)
            released.set()  # the runner has given up what had not started

        monkeypatch.setattr(TaskPool, "stop", watching_stop)
        engine_settings.update(operations=lambda name: op, checkpoint_seconds=0.0)

    return install


def test_a_cancel_stops_tasks_that_have_not_started(s3bo, store, run_worker, hold_tasks_after):
    job_id = seeded(s3bo, store, 200)
    cancel = ("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")
    hold_tasks_after(5, lambda: s3bo(*cancel))
    run_worker(concurrency=8)  # up to 32 tasks queued at a time
    job = summary(s3bo, job_id)
    assert job["Status"] == "Cancelled"
    # Tasks the 8 threads had started finish; the queued ones never start.
    assert 5 < job["ProgressSummary"]["NumberOfTasksSucceeded"] <= 5 + 8


def test_the_failure_threshold_stops_tasks_that_have_not_started(
    s3bo, store, run_worker, hold_tasks_after
):
    job_id = seeded(s3bo, store, 0, "--failure-threshold", "10%:5", missing=100)
    hold_tasks_after(5)
    run_worker(concurrency=8)
    job = summary(s3bo, job_id)
    assert job["Status"] == "Failed"
    assert 5 <= job["ProgressSummary"]["NumberOfTasksFailed"] <= 5 + 8


def test_a_pause_after_the_worker_chose_the_job_still_wins(s3bo, store, state_dir, run_worker):
    job_id = seeded(s3bo, store, 3)
    worker = Worker(state_dir)
    worker.run_once()  # prepared: Ready
    (chosen,) = worker.candidates()
    assert s3bo("pause", job_id).json["Status"] == "Paused"
    worker._step(chosen)  # the worker acts on what it saw before the pause
    assert summary(s3bo, job_id)["Status"] == "Paused"
    assert store.get_object_tagging("photos", "k0") == {}


def test_active_time_survives_a_crash(s3bo, store, state_dir, run_worker):
    from s3bo_cli.engine.jobstore import JobStore
    from s3bo_cli.state.layout import Namespace

    job_id = seeded(s3bo, store, 3)
    Worker(state_dir).run_once()  # Ready
    jobs = JobStore(Namespace(state_dir, "123456789012", "us-east-1"))
    with jobs.lock(job_id):  # as a worker killed after 100 s Active leaves it
        record = jobs.load(job_id)
        record["job"]["Status"] = "Active"
        record["engine"].update(active_seconds=100.0, active_since=None)
        record["job"]["ProgressSummary"]["Timers"] = {"ElapsedTimeInActiveSeconds": 100}
        jobs.save(record)
    run_worker()
    job = summary(s3bo, job_id)
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["Timers"]["ElapsedTimeInActiveSeconds"] >= 100


def test_a_corrupt_job_file_does_not_stop_the_worker(s3bo, store, state_dir, run_worker):
    from tests.engine.conftest import put_manifest as manifest_of

    broken = seeded(s3bo, store, 1)
    (state_dir / "accounts/123456789012/us-east-1/jobs" / broken / "job.json").write_text("{")
    store.create_bucket("other")
    store.put_object("other", "a", b"x")
    good = s3bo(*job_args(TAG_OP, manifest_of(store, [("other", "a")], key="o.csv"))).json
    run_worker()
    assert summary(s3bo, good["JobId"])["Status"] == "Complete"


def test_the_worker_does_not_read_ended_jobs_again(s3bo, store, state_dir, monkeypatch):
    from s3bo_cli.engine.jobstore import JobStore

    job_id = seeded(s3bo, store, 1)
    worker = Worker(state_dir)
    while worker.run_once():
        pass
    assert summary(s3bo, job_id)["Status"] == "Complete"
    loads = []
    real = JobStore.load
    monkeypatch.setattr(JobStore, "load", lambda self, j: loads.append(j) or real(self, j))
    worker.candidates()
    worker.candidates()
    assert loads.count(job_id) <= 1  # read once more at most, then remembered as ended
