"""Nothing outside a bucket: the DirStore never follows a symbolic link below a bucket folder.

Every entry point (the store's API, ``s3bo store`` and a batch job) is tried with a
folder link and a file link pointing outside the bucket, and with links replacing the
store's own metadata folders; each is refused and nothing outside changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from s3bo_cli.errors import S3Error
from s3bo_cli.stores import Acl, Grant, Retention, Sse
from s3bo_cli.stores.dirstore import LOCAL_OWNER_ID, DirStore
from tests.engine.conftest import job_args, put_manifest

#: Keys that reach outside: through a folder link, and a file link.
OUTSIDE_KEYS = ["link/secret", "file"]


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret").write_bytes(b"top secret")
    (folder / "meta.json").write_text(json.dumps({"key": "k", "tags": {"stolen": "1"}}))
    return folder


def _plant_links(bucket_dir: Path, outside: Path) -> None:
    (bucket_dir / "link").symlink_to(outside, target_is_directory=True)
    (bucket_dir / "file").symlink_to(outside / "secret")


@pytest.fixture
def ds(state_dir: Path, outside: Path) -> DirStore:
    store = DirStore(state_dir / "buckets")
    store.create_bucket("data", object_lock=True)
    store.put_object("data", "inside", b"in")
    _plant_links(state_dir / "buckets/data", outside)
    return store


def _calls(ds: DirStore, key: str) -> dict[str, Callable[[], Any]]:
    """Every ObjectStore entry point that names one key."""
    until = datetime.now(timezone.utc) + timedelta(days=1)
    acl = Acl(LOCAL_OWNER_ID, (Grant("READ", "CanonicalUser", LOCAL_OWNER_ID),))
    return {
        "head": lambda: ds.head_object("data", key),
        "get": lambda: ds.get_object("data", key).read(),
        "get-version": lambda: ds.get_object("data", key, "null"),
        "put": lambda: ds.put_object("data", key, b"x"),
        "delete": lambda: ds.delete_object("data", key),
        "delete-version": lambda: ds.delete_object("data", key, version_id="null"),
        "copy-source": lambda: ds.copy_object("data", key, "data", "copied"),
        "copy-destination": lambda: ds.copy_object("data", "inside", "data", key),
        "get-tagging": lambda: ds.get_object_tagging("data", key),
        "put-tagging": lambda: ds.put_object_tagging("data", key, {"a": "b"}),
        "delete-tagging": lambda: ds.delete_object_tagging("data", key),
        "get-acl": lambda: ds.get_object_acl("data", key),
        "put-acl": lambda: ds.put_object_acl("data", key, acl),
        "get-retention": lambda: ds.get_object_retention("data", key),
        "put-retention": lambda: ds.put_object_retention(
            "data", key, Retention("GOVERNANCE", until)
        ),
        "get-legal-hold": lambda: ds.get_object_legal_hold("data", key),
        "put-legal-hold": lambda: ds.put_object_legal_hold("data", key, True),
        "restore": lambda: ds.restore_object("data", key),
        "encryption": lambda: ds.update_object_encryption("data", key, Sse()),
        "replication-status": lambda: ds.put_replication_status("data", key, "COMPLETED"),
    }


@pytest.mark.parametrize("key", OUTSIDE_KEYS)
@pytest.mark.parametrize("call", sorted(_calls(DirStore("/nonexistent"), "k")))
def test_every_entry_point_refuses_a_link_out_of_the_bucket(
    ds: DirStore, outside: Path, key: str, call: str
) -> None:
    before = _snapshot(outside)
    with pytest.raises(S3Error) as exc:
        _calls(ds, key)[call]()
    assert exc.value.code == "AccessDenied" and exc.value.http_status == 403
    assert "symbolic link" in exc.value.message
    assert _snapshot(outside) == before
    assert sorted(p.name for p in outside.iterdir()) == ["meta.json", "secret"]


def test_listing_skips_links_and_refuses_a_prefix_through_one(ds: DirStore) -> None:
    assert [o.key for o in ds.list_objects("data")] == ["inside"]
    assert [o.key for o in ds.list_objects("data", "fi")] == []
    with pytest.raises(S3Error) as exc:
        list(ds.list_objects("data", "link/"))
    assert exc.value.code == "AccessDenied"


@pytest.mark.parametrize(
    "internal",
    [".s3bo/meta", ".s3bo/tmp", ".s3bo/locks", ".s3bo/versions", ".s3bo/bucket.json", ".s3bo"],
)
def test_the_store_own_folders_replaced_by_links_are_refused(
    state_dir: Path, outside: Path, internal: str
) -> None:
    ds = DirStore(state_dir / "buckets")
    ds.create_bucket("data", versioning=True)
    ds.put_object("data", "k", b"v1")
    ds.put_object("data", "k", b"v2")  # a noncurrent version exists
    bucket = state_dir / "buckets/data"
    path = bucket / internal
    if path.is_dir():
        import shutil

        shutil.rmtree(path)
    else:
        path.unlink()
    path.symlink_to(outside / "meta.json" if internal.endswith(".json") else outside)
    before = _snapshot(outside)
    for call in (
        lambda: ds.put_object("data", "new", b"x"),
        lambda: ds.put_object_tagging("data", "k", {"a": "b"}),
        lambda: ds.delete_object("data", "k"),
        lambda: ds.head_object("data", "k"),
    ):
        with pytest.raises(S3Error) as exc:
            call()
        assert exc.value.code == "AccessDenied", internal
    assert _snapshot(outside) == before


def test_a_metadata_file_linked_outside_is_refused(ds: DirStore, state_dir: Path, outside: Path):
    record = state_dir / "buckets/data/.s3bo/meta/inside"
    record.unlink()
    record.symlink_to(outside / "meta.json")
    before = _snapshot(outside)
    for call in (
        lambda: ds.head_object("data", "inside"),
        lambda: ds.get_object_tagging("data", "inside"),
        lambda: ds.put_object_tagging("data", "inside", {"a": "b"}),
        lambda: ds.put_object("data", "inside", b"new"),
    ):
        with pytest.raises(S3Error) as exc:
            call()
        assert exc.value.code == "AccessDenied"
    assert _snapshot(outside) == before


def test_a_link_swapped_in_after_the_check_is_not_opened(ds: DirStore, state_dir: Path) -> None:
    """O_NOFOLLOW: the last step of the path is checked again by the open itself."""
    from s3bo_cli.stores.dirlayout import open_data

    with pytest.raises(S3Error) as exc:
        open_data(str(state_dir / "buckets/data/file"), "file")
    assert exc.value.code == "AccessDenied"


@pytest.mark.parametrize("internal", [".s3bo/meta", ".s3bo/locks", ".s3bo"])
def test_the_store_own_folders_are_checked_again_once_changed(
    state_dir: Path, outside: Path, monkeypatch: pytest.MonkeyPatch, internal: str
) -> None:
    """The check of ``.s3bo`` is remembered while the folder is unchanged (one lstat a
    call), and made again when an entry is replaced: its times move."""
    import os
    import shutil
    import time

    from s3bo_cli.stores import dirlayout

    monkeypatch.setattr(dirlayout, "SETTLED_NS", -(10**12))  # every check counts as settled
    ds = DirStore(state_dir / "buckets")
    ds.create_bucket("data")
    ds.put_object("data", "k", b"v")
    meta_root = state_dir / "buckets/data/.s3bo"
    an_hour_ago = time.time() - 3600
    os.utime(meta_root, (an_hour_ago, an_hour_ago))  # any change from now on shows
    ds.head_object("data", "k")

    looked: list[str] = []
    real_lstat = os.lstat
    monkeypatch.setattr(os, "lstat", lambda p, *a, **k: looked.append(p) or real_lstat(p, *a, **k))
    ds.head_object("data", "k")
    assert [p for p in looked if str(p).startswith(str(meta_root))] == [
        str(meta_root),
        str(meta_root / "meta/k"),
    ]
    monkeypatch.setattr(os, "lstat", real_lstat)

    path = state_dir / "buckets/data" / internal
    shutil.rmtree(path)
    path.symlink_to(outside)
    before = _snapshot(outside)
    for call in (
        lambda: ds.head_object("data", "k"),
        lambda: ds.put_object_tagging("data", "k", {"a": "b"}),
        lambda: ds.put_object("data", "new", b"x"),
    ):
        with pytest.raises(S3Error) as exc:
            call()
        assert exc.value.code == "AccessDenied", internal
    assert _snapshot(outside) == before


# -- through the command line -------------------------------------------------------------


@pytest.mark.parametrize("key", OUTSIDE_KEYS)
@pytest.mark.parametrize(
    "command",
    [
        ["rm"],
        ["rm", "--version-id", "null"],
        ["head"],
        ["get", "-"],
    ],
)
def test_store_commands_refuse_links(
    s3bo, ds: DirStore, outside: Path, key: str, command: list[str]
) -> None:
    before = _snapshot(outside)
    name, *options = command
    run = s3bo("store", name, f"s3://data/{key}", *options)
    assert run.exit_code == 254, run
    assert "AccessDenied" in run.stderr and "symbolic link" in run.stderr
    assert "top secret" not in run.stdout
    assert _snapshot(outside) == before


def test_store_put_ls_and_recursive_rm_stay_inside(
    s3bo, ds: DirStore, outside: Path, tmp_path: Path
) -> None:
    before = _snapshot(outside)
    source = tmp_path / "x.txt"
    source.write_text("x")
    run = s3bo("store", "put", str(source), "s3://data/link/x.txt")
    assert run.exit_code == 254 and "AccessDenied" in run.stderr
    run = s3bo("store", "ls", "s3://data/link/")
    assert run.exit_code == 254 and "AccessDenied" in run.stderr
    listing = s3bo("store", "ls", "s3://data")
    assert listing.exit_code == 0 and "secret" not in listing.stdout
    assert s3bo("store", "rm", "--recursive", "s3://data/").exit_code == 0
    assert _snapshot(outside) == before


# -- through a job ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        {"S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::dest"}},
        {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
        {"S3DeleteObjectTagging": {}},
        {"S3PutObjectAcl": {"AccessControlPolicy": {"CannedAccessControlList": "private"}}},
        {"S3PutObjectLegalHold": {"LegalHold": {"Status": "ON"}}},
        {"S3ComputeObjectChecksum": {"ChecksumAlgorithm": "CRC32", "ChecksumType": "FULL_OBJECT"}},
    ],
    ids=lambda op: next(iter(op)),
)
def test_a_job_cannot_act_through_a_link(
    s3bo, ds: DirStore, outside: Path, run_worker, operation: dict
) -> None:
    ds.create_bucket("dest")
    manifest = put_manifest(ds, [("data", key) for key in OUTSIDE_KEYS])
    before = _snapshot(outside)
    run = s3bo(*job_args(operation, manifest))
    assert run.exit_code == 0, run
    run_worker()
    job = s3bo("describe-job", "--job-id", run.json["JobId"]).json["Job"]
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 0, job
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 2, job
    assert [o.key for o in ds.list_objects("dest")] == []
    assert _snapshot(outside) == before


def test_a_copy_job_cannot_write_through_a_link_in_its_destination(
    s3bo, ds: DirStore, outside: Path, run_worker
) -> None:
    manifest = put_manifest(ds, [("data", "inside")])
    operation = {
        "S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::data", "TargetKeyPrefix": "link"}
    }
    before = _snapshot(outside)
    run = s3bo(*job_args(operation, manifest))
    run_worker()
    job = s3bo("describe-job", "--job-id", run.json["JobId"]).json["Job"]
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 1, job
    assert _snapshot(outside) == before


def test_a_new_bucket_internals_stay_unchanged_by_its_first_writes(state_dir: Path) -> None:
    """The lock and record folders are made with the bucket: the first tag writes of a
    job do not change ``.s3bo``, so its one-lstat check holds from the first task on."""
    import os
    import time

    ds = DirStore(state_dir / "buckets")
    ds.create_bucket("data")
    (state_dir / "buckets/data/dropped").write_bytes(b"x")  # by hand: no record yet
    meta_root = state_dir / "buckets/data/.s3bo"
    an_hour_ago = time.time() - 3600
    os.utime(meta_root, (an_hour_ago, an_hour_ago))
    before = os.stat(meta_root).st_mtime_ns
    ds.put_object_tagging("data", "dropped", {"a": "b"})
    assert os.stat(meta_root).st_mtime_ns == before
    assert ds.get_object_tagging("data", "dropped") == {"a": "b"}
