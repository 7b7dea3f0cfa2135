"""The worker's settings: from the config file and the environment, to the autostarted worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.engine.conftest import job_args, put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}


def shown(run) -> dict[str, str]:
    """`worker --status` settings lines as a dict."""
    return dict(line.split() for line in run.stdout.splitlines() if line.startswith("  "))


def test_status_shows_the_defaults_a_new_worker_would_use(s3bo, state_dir):
    run = s3bo("worker", "--status")
    assert run.exit_code == 0
    assert run.stdout.startswith(f"worker not running for {state_dir}\n")
    cpus = str(os.cpu_count() or 1)
    assert shown(run) == {
        "max_in_flight": "512",
        "concurrency": "8",
        "worker_processes": cpus,
        "max_active_jobs": "4",
    }


def test_config_file_then_environment_then_option(s3bo, tmp_path, monkeypatch):
    assert s3bo("configure", "set", "max_in_flight", "48").exit_code == 0
    assert s3bo("configure", "set", "concurrency", "3").exit_code == 0
    assert s3bo("configure", "set", "worker_processes", "5").exit_code == 0
    assert s3bo("configure", "set", "max_active_jobs", "2").exit_code == 0
    assert shown(s3bo("worker", "--status")) == {
        "max_in_flight": "48",
        "concurrency": "3",
        "worker_processes": "5",
        "max_active_jobs": "2",
    }
    monkeypatch.setenv("S3BO_MAX_IN_FLIGHT", "96")
    assert shown(s3bo("worker", "--status"))["max_in_flight"] == "96"
    monkeypatch.setenv("S3BO_WORKER_PROCESSES", "2")
    assert shown(s3bo("worker", "--status"))["worker_processes"] == "2"
    run = s3bo("worker", "--status", "--max-in-flight", "12", "--processes", "1")
    assert shown(run)["max_in_flight"] == "12"
    assert shown(run)["worker_processes"] == "1"
    monkeypatch.setenv("S3BO_MAX_ACTIVE_JOBS", "6")
    assert shown(s3bo("worker", "--status"))["max_active_jobs"] == "6"
    run = s3bo("worker", "--status", "--max-active-jobs", "1")
    assert shown(run)["max_active_jobs"] == "1"


def test_a_bad_setting_is_one_line_naming_it(s3bo, monkeypatch):
    monkeypatch.setenv("S3BO_MAX_IN_FLIGHT", "lots")
    run = s3bo("worker", "--status")
    assert run.exit_code == 253
    (line,) = run.stderr.strip().splitlines()
    assert line.endswith("max_in_flight must be a whole number from 1 to 4096, not 'lots'")
    monkeypatch.delenv("S3BO_MAX_IN_FLIGHT")
    run = s3bo("configure", "set", "concurrency", "0")
    assert run.exit_code == 252
    assert "concurrency must be a whole number from 1 to 256, not '0'" in run.stderr


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "s3bo_cli", "--output", "json", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_the_autostarted_worker_runs_with_the_starting_commands_settings(store, state_dir):
    store.create_bucket("photos")
    store.put_object("photos", "a", b"x")
    env = {k: v for k, v in os.environ.items() if k != "S3BO_NO_AUTOSTART"}
    started_with = {
        **env,
        "S3BO_MAX_IN_FLIGHT": "32",
        "S3BO_WORKER_PROCESSES": "3",
        "S3BO_WORKER_IDLE_TIMEOUT": "60",
    }
    created = cli(*job_args(TAG_OP, put_manifest(store, [("photos", "a")])), env=started_with)
    assert created.returncode == 0, created.stderr
    plain = {**env, "S3BO_NO_AUTOSTART": "1"}  # asked from a shell without the setting
    deadline = time.monotonic() + 60
    while True:
        status = cli("worker", "--status", env=plain)
        if "pid" in status.stdout and "max_in_flight" in status.stdout:
            break
        assert time.monotonic() < deadline, status.stdout
        time.sleep(0.1)
    pid = int(status.stdout.split("(pid ")[1].split(")")[0])
    try:
        assert status.stdout.startswith(f"worker running for {state_dir}")
        values = dict(line.split() for line in status.stdout.splitlines()[1:])
        assert values == {
            "max_in_flight": "32",
            "concurrency": "8",
            "worker_processes": "3",
            "max_active_jobs": "4",
        }
    finally:
        os.kill(pid, signal.SIGTERM)
