"""Faults of the engine's own storage: a read-only state directory, a full disk, leftovers."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3bo_cli import ops
from tests.conftest import create_args
from tests.engine.conftest import job_args, put_manifest


@contextlib.contextmanager
def mounted(*args: str, target: Path) -> Iterator[None]:
    """Mount something on ``target`` for the block; skip the test without permission."""
    done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here (needs root): {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(target)], check=True)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` as a read-only bind mount of itself."""
    with mounted("--bind", str(path), target=path):
        done = subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("cannot remount read-only here")
        yield


def test_a_read_only_state_directory_serves_reads(s3bo, state_dir):
    job_id = s3bo(*create_args()).json["JobId"]
    autostart = {"S3BO_NO_AUTOSTART": "0"}  # the check for a worker must not write
    with read_only(state_dir):
        listed = s3bo("list-jobs", env=autostart)
        assert listed.exit_code == 0, listed
        assert [j["JobId"] for j in listed.json["Jobs"]] == [job_id]
        shown = s3bo("describe-job", "--job-id", job_id, env=autostart)
        assert shown.exit_code == 0, shown
        assert shown.json["Job"]["Status"] == "New"
        status = s3bo("worker", "--status")
        assert status.exit_code == 0 and "not running" in status.stdout

        for args in (
            ("worker", "--burst"),
            ("update-job-priority", "--job-id", job_id, "--priority", "3"),
            tuple(create_args()),
        ):
            run = s3bo(*args)
            assert run.exit_code == 255, run
            (line,) = run.stderr.splitlines()  # one line: why, and where
            assert "Read-only file system" in line and str(state_dir) in line
    assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Priority"] == 10


# -- a full disk: an engine fault, never a task failure, never a busy loop -------------

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "done", "Value": "yes"}]}}
REPORT = {"Bucket": "arn:aws:s3:::reports", "Format": "Report_CSV_20180820", "Enabled": True}


def enospc(path: str = "/state") -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


def tag_job(s3bo, store, count: int, report: dict | None = None) -> str:
    store.create_bucket("photos")
    for i in range(count):
        store.put_object("photos", f"k{i}", b"x")
    if report:
        store.create_bucket("reports")
    manifest = put_manifest(store, [("photos", f"k{i}") for i in range(count)])
    return s3bo(*job_args(TAG_OP, manifest, report=report)).json["JobId"]


def burst(state_dir: Path, checkpoint_seconds: float = 0.2) -> None:
    """A burst worker, which must come back by itself however full the disk is."""
    from s3bo_cli.engine.settings import EngineSettings
    from s3bo_cli.engine.worker import Worker

    done = threading.Event()
    settings = EngineSettings(concurrency=2, checkpoint_seconds=checkpoint_seconds)

    def serve() -> None:
        Worker(state_dir, settings=settings).run(burst=True)
        done.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert done.wait(60), "the burst worker did not return on a full disk"


def job_of(s3bo, job_id: str) -> dict:
    return s3bo("describe-job", "--job-id", job_id).json["Job"]


def recorded(state_dir: Path, job_id: str) -> list[dict]:
    path = state_dir / "accounts" / "123456789012" / "us-east-1" / "jobs" / job_id
    results = path / "results.jsonl"
    if not results.exists():
        return []
    return [json.loads(line) for line in results.read_text().splitlines()]


def assert_fault_shown(job: dict) -> None:
    (reason,) = job["FailureReasons"]
    assert reason["FailureCode"] == "EngineStorageFault"
    assert "No space left on device" in reason["FailureReason"]


def assert_finished_normally(s3bo, store, state_dir, job_id, count):
    job = job_of(s3bo, job_id)
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == count
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 0
    assert not job.get("FailureReasons")
    lines = recorded(state_dir, job_id)
    assert sorted(r["index"] for r in lines) == list(range(count))
    assert {r["status"] for r in lines} == {"succeeded"}
    for i in range(count):
        assert store.get_object_tagging("photos", f"k{i}") == {"done": "yes"}


def test_a_full_object_store_pauses_the_job_and_fails_no_task(
    s3bo, store, state_dir, monkeypatch, caplog
):
    job_id = tag_job(s3bo, store, 20)
    real, calls, full = ops.get("S3PutObjectTagging"), [0], [False]

    def tagging(ctx, entry):
        calls[0] += 1
        if calls[0] == 6:
            full[0] = True
        if full[0]:
            raise enospc(f"/buckets/photos/{entry.key}")
        return real(ctx, entry)

    monkeypatch.setattr(ops, "get", lambda name: tagging)
    burst(state_dir)
    job = job_of(s3bo, job_id)
    assert job["Status"] == "Active"
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 0
    assert_fault_shown(job)
    assert all(r["status"] == "succeeded" for r in recorded(state_dir, job_id))
    assert len([r for r in caplog.records if "storage failed" in r.getMessage()]) == 1

    full[0] = False  # space returns
    burst(state_dir)
    assert_finished_normally(s3bo, store, state_dir, job_id, 20)


def test_a_full_state_directory_mid_job_loses_and_doubles_nothing(
    s3bo, store, state_dir, monkeypatch
):
    from s3bo_cli.state import files

    job_id = tag_job(s3bo, store, 30)
    real_write, real_op, calls, full = (
        files.write_json_text,
        ops.get("S3PutObjectTagging"),
        [0],
        [False],
    )

    def write(path, payload, **kwargs):
        if full[0]:
            raise enospc(str(path))
        return real_write(path, payload, **kwargs)

    def tagging(ctx, entry):
        calls[0] += 1
        if calls[0] == 10:
            full[0] = True
        return real_op(ctx, entry)

    monkeypatch.setattr(files, "write_json_text", write)
    monkeypatch.setattr(ops, "get", lambda name: tagging)
    burst(state_dir, checkpoint_seconds=0.0)
    assert job_of(s3bo, job_id)["Status"] == "Active"
    full[0] = False
    burst(state_dir, checkpoint_seconds=0.0)
    assert_finished_normally(s3bo, store, state_dir, job_id, 30)


def test_records_appended_together_are_all_on_disk_or_none(tmp_path, monkeypatch):
    from s3bo_cli.state.jsonl import JsonlWriter

    path = tmp_path / "log.jsonl"
    with JsonlWriter(path) as log:
        log.append({"n": 0})
        log.append_many([{"n": 1}, {"n": 2}])
        real_write = os.write
        monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[:9]))
        with pytest.raises(OSError) as exc:
            log.append_many([{"n": 3}, {"n": 4}])
        assert exc.value.errno == errno.ENOSPC
        monkeypatch.setattr(os, "write", real_write)
    assert path.read_text() == '{"n":0}\n{"n":1}\n{"n":2}\n'


def test_a_disk_filling_part_way_through_a_write_of_results_records_none_of_it(
    s3bo, store, state_dir, monkeypatch
):
    """Results collected together go in one write; a short one is taken back out whole,
    and those tasks run again: each is recorded once."""
    job_id = tag_job(s3bo, store, 40)
    real_write, writes = os.write, [0]

    def write(fd, data):
        if b'"index":' in data and b'"status":"succeeded"' in data:
            writes[0] += 1
            if writes[0] == 2:  # the disk fills half-way through this write
                return real_write(fd, data[: len(data) // 2])
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    burst(state_dir)
    job = job_of(s3bo, job_id)
    assert job["Status"] == "Active"
    assert_fault_shown(job)
    results = state_dir / "accounts/123456789012/us-east-1/jobs" / job_id / "results.jsonl"
    assert results.read_bytes().endswith(b"\n")  # no part of that write is left behind
    monkeypatch.setattr(os, "write", real_write)
    burst(state_dir)
    assert_finished_normally(s3bo, store, state_dir, job_id, 40)


def test_a_full_disk_while_preparing_or_reporting_waits_instead_of_failing(
    s3bo, store, state_dir, monkeypatch
):
    from s3bo_cli.engine import reports, tasklog

    job_id = tag_job(s3bo, store, 5, report=REPORT)
    real_tasks, real_report = tasklog.TaskLog.write_tasks, reports.write_report
    full = [True]

    def write_tasks(self, entries):
        if full[0]:
            raise enospc(str(self.tasks_path))
        return real_tasks(self, entries)

    def write_report(*args, **kwargs):
        if full[0]:
            raise enospc("/buckets/reports/job")
        return real_report(*args, **kwargs)

    monkeypatch.setattr(tasklog.TaskLog, "write_tasks", write_tasks)
    monkeypatch.setattr(reports, "write_report", write_report)
    burst(state_dir)
    job = job_of(s3bo, job_id)
    assert job["Status"] == "Preparing"
    assert_fault_shown(job)

    full[0] = False
    monkeypatch.setattr(tasklog.TaskLog, "write_tasks", real_tasks)
    full[0] = True  # now the report cannot be written
    monkeypatch.setattr(tasklog.TaskLog, "write_tasks", real_tasks)
    burst(state_dir)
    job = job_of(s3bo, job_id)
    assert job["Status"] == "Completing"
    assert_fault_shown(job)

    full[0] = False
    burst(state_dir)
    assert_finished_normally(s3bo, store, state_dir, job_id, 5)
    assert store.head_object("reports", f"job-{job_id}/manifest.json")


ROOM_PAGES = 4  # enough to start the worker and prepare the job; tasks then fail to write


def test_a_really_full_tmpfs(s3bo, state_dir, tmp_path):
    """The whole state directory (objects included) on a tiny tmpfs that fills up."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with mounted("-t", "tmpfs", "-o", "size=4m", "tmpfs", target=state_dir):
        from s3bo_cli.stores.dirstore import DirStore

        store = DirStore(state_dir / "buckets")
        job_id = tag_job(s3bo, store, 40)
        filler = state_dir / "filler"
        filler.mkdir()
        pages = 0
        with contextlib.suppress(OSError):
            while True:  # one page a file, until the disk is full
                (filler / str(pages)).write_bytes(b"\0" * 4096)
                pages += 1
        for page in range(pages - ROOM_PAGES, pages):  # room to start the job, not to end it
            (filler / str(page)).unlink()
        env = {**os.environ, "S3BO_STATE_DIR": str(state_dir), "S3BO_NO_AUTOSTART": "1"}
        command = [sys.executable, "-m", "s3bo_cli", "worker", "--burst"]
        full = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert len(full.stderr.splitlines()) < 10, full.stderr  # no line per loop
        job = job_of(s3bo, job_id)
        assert job["Status"] != "Complete"
        assert job["ProgressSummary"]["NumberOfTasksFailed"] == 0
        assert all(r["status"] == "succeeded" for r in recorded(state_dir, job_id))

        shutil.rmtree(filler)  # space returns
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert_finished_normally(s3bo, store, state_dir, job_id, 40)


# -- nothing left behind ---------------------------------------------------------------

SLOW_WORKER = """
import sys, time
from pathlib import Path
from s3bo_cli import ops
from s3bo_cli.engine.worker import Worker
real = ops.get("S3PutObjectTagging")
def slow(ctx, entry):
    time.sleep(0.005)
    return real(ctx, entry)
ops.get = lambda name: slow
Worker(Path(sys.argv[1])).run(burst=True)
"""


def test_nothing_is_left_behind_after_kill_9(s3bo, store, state_dir, tmp_path):
    job_id = tag_job(s3bo, store, 300, report=REPORT)
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(system_tmp), "S3BO_STATE_DIR": str(state_dir)}
    job = state_dir / "accounts" / "123456789012" / "us-east-1" / "jobs" / job_id
    worker = subprocess.Popen([sys.executable, "-c", SLOW_WORKER, str(state_dir)], env=env)
    try:
        while not (job / "results.jsonl").exists() or (job / "results.jsonl").stat().st_size < 2000:
            assert worker.poll() is None
        os.kill(worker.pid, 9)
    finally:
        worker.wait(timeout=30)

    # What kills at other moments leave: a record, a task list, a report, an object half written.
    tokens = job.parent.parent / "tokens"
    stale = [
        job / ".job.json.k1x2.tmp",
        job / "tasks.tmp",
        job / ".report-dead" / "succeeded.csv",
        tokens / ".abc.json.k1x2.tmp",
        state_dir / "buckets" / "photos" / ".s3bo" / "tmp" / "0123abcd",
    ]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partial")
    fresh = state_dir / "buckets" / "photos" / ".s3bo" / "tmp" / "being-written"
    fresh.write_bytes(b"a put in progress")
    held = state_dir / "buckets" / "photos" / ".s3bo" / "tmp" / "held-open"
    held.write_bytes(b"an old upload still going")
    an_hour_ago = time.time() - 3600
    for path in [*stale, job / ".report-dead", held]:
        os.utime(path, (an_hour_ago, an_hour_ago))

    with held.open("rb"):
        done = subprocess.run(
            [sys.executable, "-m", "s3bo_cli", "worker", "--burst"],
            env={**env, "S3BO_NO_AUTOSTART": "1"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert job_of(s3bo, job_id)["Status"] == "Complete"
    assert [p for p in stale if p.exists()] == []
    assert not (job / ".report-dead").exists()
    assert fresh.exists() and held.exists()  # in use, or too new to be a leftover
    assert list(system_tmp.iterdir()) == []  # the report was built in the job's folder
    assert not list(job.glob(".report-*"))
