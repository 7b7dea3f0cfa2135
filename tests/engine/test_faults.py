"""Faults of the engine's own storage: a read-only state directory, a full disk, leftovers."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import create_args


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
