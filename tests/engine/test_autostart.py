"""The background worker starts on demand, survives its parent, and `s3bo wait` works with it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from s3bo_cli.engine.autostart import worker_running
from tests.engine.conftest import job_args, put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}


@pytest.fixture
def autostart(monkeypatch):
    monkeypatch.delenv("S3BO_NO_AUTOSTART", raising=False)
    monkeypatch.setenv("S3BO_WORKER_IDLE_TIMEOUT", "1")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "s3bo_cli", "--output", "json", *args],
        capture_output=True, text=True, env=dict(os.environ), timeout=120, check=False,
    )  # fmt: skip


def test_create_job_starts_a_worker_and_wait_sees_the_job_complete(store, autostart, state_dir):
    store.create_bucket("photos")
    store.put_object("photos", "a", b"x")
    created = cli(*job_args(TAG_OP, put_manifest(store, [("photos", "a")])))
    assert created.returncode == 0, created.stderr
    job_id = created.stdout.split('"')[3]
    waited = cli("wait", job_id, "--timeout", "60")
    assert waited.returncode == 0, waited.stderr
    assert '"Status": "Complete"' in waited.stdout
    assert store.get_object_tagging("photos", "a") == {"k": "v"}


def test_a_command_that_finds_runnable_jobs_and_no_worker_starts_one(
    store, state_dir, monkeypatch, s3bo
):
    store.create_bucket("photos")
    store.put_object("photos", "a", b"x")
    job_id = s3bo(*job_args(TAG_OP, put_manifest(store, [("photos", "a")]))).json["JobId"]
    assert not worker_running(state_dir)  # autostart was off when the job was created
    monkeypatch.delenv("S3BO_NO_AUTOSTART")
    monkeypatch.setenv("S3BO_WORKER_IDLE_TIMEOUT", "1")
    waited = cli("wait", job_id, "--timeout", "60")  # describe-job inside wait starts it
    assert waited.returncode == 0, waited.stderr


def test_wait_exit_codes(s3bo, store, run_worker):
    store.create_bucket("photos")
    manifest = put_manifest(store, [("photos", "missing")])
    failed_manifest = dict(manifest, Location=dict(manifest["Location"], ETag="0" * 32))
    complete = s3bo(*job_args(TAG_OP, manifest)).json["JobId"]
    failed = s3bo(*job_args(TAG_OP, failed_manifest)).json["JobId"]
    cancelled = s3bo(*job_args(TAG_OP, manifest)).json["JobId"]
    s3bo("update-job-status", "--job-id", cancelled, "--requested-job-status", "Cancelled")
    suspended_args = job_args(TAG_OP, manifest)
    suspended_args.remove("--no-confirmation-required")
    suspended = s3bo(*suspended_args).json["JobId"]
    run_worker()
    assert s3bo("wait", complete).exit_code == 0
    assert s3bo("wait", failed).exit_code == 1
    assert s3bo("wait", cancelled).exit_code == 2
    timed_out = s3bo("wait", suspended, "--timeout", "0.3")
    assert timed_out.exit_code == 3
    assert "Suspended" in timed_out.stderr and "--requested-job-status Ready" in timed_out.stderr
    run = s3bo("wait", complete)
    assert run.json["Job"]["Status"] == "Complete"
    assert "1/1 (100%)  1 failed" in run.stderr  # plain progress lines when not a terminal


def test_wait_for_an_unknown_job(s3bo):
    run = s3bo("wait", "00000000-0000-4000-8000-000000000000")
    assert run.exit_code == 254
    assert "NotFoundException" in run.stderr


def test_a_job_held_by_pause_starts_no_worker(s3bo, store, state_dir, monkeypatch):
    from s3bo_cli.engine.worker import Worker

    store.create_bucket("photos")
    store.put_object("photos", "a", b"x")
    job_id = s3bo(*job_args(TAG_OP, put_manifest(store, [("photos", "a")]))).json["JobId"]
    Worker(state_dir).run_once()  # Ready
    s3bo("pause", job_id)
    monkeypatch.delenv("S3BO_NO_AUTOSTART")
    assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"] == "Paused"
    assert s3bo("list-jobs").exit_code == 0
    assert not (state_dir / "worker" / "worker.log").exists()  # nothing was spawned
