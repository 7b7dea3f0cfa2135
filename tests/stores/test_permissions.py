"""Permissions told as they are: what a user may not read is an error naming the file,
never an empty answer, and reading needs no write access."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s3bo_cli.stores.dirstore import DirStore


@pytest.fixture
def bucket(state_dir: Path) -> Path:
    """A bucket with a stored object and a hand-dropped one (which has no record yet)."""
    store = DirStore(state_dir / "buckets")
    store.create_bucket("data")
    store.create_bucket("out")
    store.put_object("data", "stored", b"s", tags={"keep": "me"})
    folder = state_dir / "buckets/data"
    (folder / "dropped").write_bytes(b"d")
    return folder


def _lock_files_read_only(bucket: Path) -> None:
    locks = bucket / ".s3bo/locks"
    locks.mkdir(exist_ok=True)
    for path in locks.iterdir():
        path.chmod(0o444)
    locks.chmod(0o555)


def test_a_bucket_whose_lock_files_cannot_be_written_is_still_listed(
    s3bo_unprivileged, bucket: Path, tmp_path: Path
) -> None:
    _lock_files_read_only(bucket)
    run = s3bo_unprivileged("store", "ls", "s3://data")
    assert run.returncode == 0, run
    assert [line.split()[-1] for line in run.stdout.splitlines()] == ["dropped", "stored"]
    manifest = tmp_path / "manifest.csv"
    run = s3bo_unprivileged("manifest", "make", "s3://data", "-o", str(manifest))
    assert run.returncode == 0, run
    assert manifest.read_text().splitlines() == ["data,dropped", "data,stored"]
    run = s3bo_unprivileged("store", "head", "s3://data/dropped")
    assert run.returncode == 0 and json.loads(run.stdout)["ContentLength"] == 1


@pytest.mark.parametrize(
    "command",
    [
        ["store", "ls", "s3://data"],
        ["store", "get", "s3://data/dropped", "-"],
        ["manifest", "make", "s3://data", "-o", "-"],
    ],
)
def test_an_unreadable_object_is_an_error_not_absent(
    s3bo_unprivileged, bucket: Path, command: list[str]
) -> None:
    (bucket / "dropped").chmod(0)
    run = s3bo_unprivileged(*command)
    assert run.returncode == 254, run
    assert "AccessDenied" in run.stderr and "permission denied" in run.stderr
    assert str(bucket / "dropped") in run.stderr


def test_an_unreadable_record_is_an_error_not_an_object_without_tags(
    s3bo_unprivileged, bucket: Path
) -> None:
    (bucket / ".s3bo/meta/stored").chmod(0)
    run = s3bo_unprivileged("store", "head", "s3://data/stored")
    assert run.returncode == 254, run
    assert str(bucket / ".s3bo/meta/stored") in run.stderr


def test_an_unreadable_folder_is_an_error_not_an_empty_listing(
    s3bo_unprivileged, bucket: Path
) -> None:
    DirStore(bucket.parent).put_object("data", "sub/k", b"x")
    (bucket / "sub").chmod(0)
    run = s3bo_unprivileged("store", "ls", "s3://data")
    assert run.returncode == 254, run
    assert "permission denied" in run.stderr and str(bucket / "sub") in run.stderr


def test_a_task_on_an_unreadable_object_fails_with_access_denied(
    s3bo, s3bo_unprivileged, bucket: Path, state_dir: Path
) -> None:
    from tests.engine.conftest import job_args, put_manifest

    store = DirStore(state_dir / "buckets")
    manifest = put_manifest(store, [("data", "stored"), ("data", "dropped")])
    (bucket / ".s3bo/meta/stored").chmod(0)
    operation = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}
    job_id = s3bo(*job_args(operation, manifest)).json["JobId"]
    run = s3bo_unprivileged("worker", "--burst")
    assert run.returncode == 0, run
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 1, job
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 1, job
    (bucket / ".s3bo/meta/stored").chmod(0o644)
    assert store.get_object_tagging("data", "stored") == {"keep": "me"}
