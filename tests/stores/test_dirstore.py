"""DirStore specifics: the on-disk layout, hand-dropped files, safety, concurrency."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from s3bo_cli.config import Settings
from s3bo_cli.errors import S3Error
from s3bo_cli.stores import Retention, open_store
from s3bo_cli.stores.base import MAX_COPY_SIZE
from s3bo_cli.stores.dirstore import DirStore


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "buckets"


@pytest.fixture
def ds(root: Path) -> DirStore:
    store = DirStore(root)
    store.create_bucket("data")
    return store


def _files(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()}


def test_open_store_picks_by_settings(tmp_path: Path) -> None:
    store = open_store(Settings(state_dir=tmp_path))
    assert isinstance(store, DirStore) and store.root == str(tmp_path / "buckets")


def test_a_recorded_store_opens_by_the_same_rule(tmp_path: Path) -> None:
    """Commands, tools and the worker open stores one way: open_store / open_recorded."""
    from s3bo_cli.stores import open_recorded
    from s3bo_cli.stores.s3store import S3Store

    store = open_recorded({"region": "us-east-1", "buckets_dir": str(tmp_path / "b")})
    assert isinstance(store, DirStore) and store.root == str(tmp_path / "b")
    remote = open_recorded({"s3_endpoint_url": "http://127.0.0.1:9", "in_flight": 4})
    assert isinstance(remote, S3Store) and remote.region == "us-east-1"


def test_objects_are_plain_files_with_json_beside(ds: DirStore, root: Path) -> None:
    ds.put_object("data", "photos/2024/a.jpg", b"jpeg", tags={"k": "v"})
    assert (root / "data/photos/2024/a.jpg").read_bytes() == b"jpeg"
    record = json.loads((root / "data/.s3bo/meta/photos/2024/a.jpg").read_text())
    assert record["tags"] == {"k": "v"} and record["key"] == "photos/2024/a.jpg"
    assert json.loads((root / "data/.s3bo/bucket.json").read_text())["versioning"] is None
    assert not list((root / "data/.s3bo/tmp").iterdir())


def test_hand_dropped_files_are_objects(ds: DirStore, root: Path) -> None:
    (root / "data/in").mkdir()
    (root / "data/in/x.csv").write_bytes(b"a,b\n")
    info = ds.head_object("data", "in/x.csv")
    assert info.etag == hashlib.md5(b"a,b\n").hexdigest()
    assert (info.storage_class, info.size, info.version_id) == ("STANDARD", 4, None)
    assert [o.key for o in ds.list_objects("data")] == ["in/x.csv"]
    ds.put_object_tagging("data", "in/x.csv", {"seen": "yes"})
    assert ds.get_object_tagging("data", "in/x.csv") == {"seen": "yes"}


def test_a_file_replaced_by_hand_is_a_new_object(ds: DirStore, root: Path) -> None:
    ds.put_object("data", "k", b"old", tags={"t": "1"}, storage_class="STANDARD_IA")
    path = root / "data/k"
    path.unlink()
    path.write_bytes(b"new!")
    info = ds.head_object("data", "k")
    assert (info.etag, info.storage_class) == (hashlib.md5(b"new!").hexdigest(), "STANDARD")
    assert ds.get_object_tagging("data", "k") == {}


def test_tag_write_touches_only_its_record(ds: DirStore, root: Path) -> None:
    for i in range(5):
        ds.put_object("data", f"k{i}", b"x")
    before = {p: p.stat().st_mtime_ns for p in (root / "data").rglob("*") if p.is_file()}
    ds.put_object_tagging("data", "k3", {"a": "b"})
    changed = {
        str(p.relative_to(root / "data"))
        for p in (root / "data").rglob("*")
        if p.is_file() and "locks" not in p.parts and before.get(p) != p.stat().st_mtime_ns
    }
    assert changed == {".s3bo/meta/k3"}


@pytest.mark.parametrize(
    "key",
    [
        "../escape",
        "a/../../escape",
        "/etc/passwd",
        "a\x00b",
        "",
        ".s3bo/bucket.json",
        "a//b",
        "a/./b",
        "dir//",
        "/",
        "..",
        "k" * 1025,
        "x" * 256,
    ],
)
def test_keys_that_cannot_live_in_the_bucket(ds: DirStore, root: Path, key: str) -> None:
    before = _files(root.parent)
    for call in (
        lambda: ds.put_object("data", key, b"x"),
        lambda: ds.copy_object("data", "src", "data", key),
        lambda: ds.put_object_tagging("data", key, {"a": "b"}),
        lambda: ds.head_object("data", key),
        lambda: ds.delete_object("data", key),
    ):
        with pytest.raises(S3Error) as exc:
            call()
        assert exc.value.http_status == 400
        assert exc.value.code in ("InvalidArgument", "KeyTooLongError")
    assert _files(root.parent) == before


def test_symlinked_folder_cannot_lead_outside(ds: DirStore, root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "data/link").symlink_to(outside)
    with pytest.raises(S3Error):
        ds.put_object("data", "link/x", b"x")
    assert not list(outside.iterdir())


def test_key_clashing_with_a_folder(ds: DirStore) -> None:
    ds.put_object("data", "a/b", b"x")
    with pytest.raises(S3Error) as exc:
        ds.put_object("data", "a", b"y")
    assert exc.value.code == "InvalidArgument"
    with pytest.raises(S3Error):
        ds.put_object("data", "a/b/c", b"y")
    ds.delete_object("data", "a/b")
    ds.put_object("data", "a", b"y")  # the emptied folder was pruned
    assert [o.key for o in ds.list_objects("data")] == ["a"]


def test_bucket_names(root: Path) -> None:
    store = DirStore(root)
    for name in ("../up", "UPPER", "a", "x/y"):
        with pytest.raises(S3Error) as exc:
            store.create_bucket(name)
        assert exc.value.code == "InvalidBucketName"
    store.create_bucket("ok-bucket")
    with pytest.raises(S3Error) as exc:
        store.create_bucket("ok-bucket")
    assert (exc.value.code, exc.value.http_status) == ("BucketAlreadyOwnedByYou", 409)
    with pytest.raises(S3Error) as exc:
        store.head_object("..", "k")
    assert exc.value.http_status == 400


def test_copy_over_5_gib_is_refused(ds: DirStore, root: Path) -> None:
    with open(root / "data/huge.bin", "wb") as fh:
        fh.truncate(MAX_COPY_SIZE + 1)  # sparse: no 5 GiB written
    with pytest.raises(S3Error) as exc:
        ds.copy_object("data", "huge.bin", "data", "copy.bin")
    assert (exc.value.code, exc.value.http_status) == ("InvalidRequest", 400)
    assert exc.value.message == (
        "The specified copy source is larger than the maximum allowable size for a copy "
        "source: 5368709120"
    )


def test_copy_with_new_checksum_and_acl(ds: DirStore) -> None:
    ds.put_object("data", "src", b"123456789")
    result = ds.copy_object(
        "data", "src", "data", "dst", checksum_algorithm="CRC32C", acl="public-read"
    )
    assert result.checksums == {"CRC32C": "4waSgw=="}
    assert len(ds.get_object_acl("data", "dst").grants) == 2
    assert ds.head_object("data", "dst").checksums == {"CRC32C": "4waSgw=="}


# -- versions ------------------------------------------------------------------------------


def test_deleting_the_latest_version_brings_back_the_previous(root: Path) -> None:
    store = DirStore(root)
    store.create_bucket("ver", versioning=True)
    first = store.put_object("ver", "k", b"one").version_id
    second = store.put_object("ver", "k", b"two").version_id
    store.delete_object("ver", "k", version_id=second)
    assert (root / "ver/k").read_bytes() == b"one"
    assert store.head_object("ver", "k").version_id == first
    marker = store.delete_object("ver", "k")
    assert not (root / "ver/k").exists()
    store.delete_object("ver", "k", version_id=marker)
    assert (root / "ver/k").read_bytes() == b"one"


def test_suspended_versioning_overwrites_the_null_version(root: Path) -> None:
    store = DirStore(root)
    store.create_bucket("ver", versioning=True)
    kept = store.put_object("ver", "k", b"one").version_id
    store.put_bucket_versioning("ver", "Suspended")
    assert store.put_object("ver", "k", b"two").version_id == "null"
    assert store.put_object("ver", "k", b"three").version_id == "null"
    assert store.get_object("ver", "k", kept).read() == b"one"
    assert store.get_object("ver", "k", "null").read() == b"three"


def test_hand_dropped_file_in_versioned_bucket_is_the_null_version(root: Path) -> None:
    store = DirStore(root)
    store.create_bucket("ver", versioning=True)
    (root / "ver/k").write_bytes(b"by hand")
    assert store.head_object("ver", "k").version_id == "null"
    new = store.put_object("ver", "k", b"by store").version_id
    assert store.get_object("ver", "k", "null").read() == b"by hand"
    assert store.head_object("ver", "k").version_id == new


# -- retention and restore --------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def test_retention_rules(root: Path) -> None:
    clock = Clock()
    store = DirStore(root, clock=clock)
    store.create_bucket("lock", object_lock=True)
    store.put_object("lock", "k", b"x")
    day = timedelta(days=1)

    def put(mode: str, days: int, bypass: bool = False) -> None:
        retention = Retention(mode, clock.now + days * day)  # type: ignore[arg-type]
        store.put_object_retention("lock", "k", retention, bypass_governance=bypass)

    with pytest.raises(S3Error) as exc:
        put("GOVERNANCE", -1)
    assert (exc.value.code, exc.value.message) == (
        "InvalidArgument",
        "The retain until date must be in the future!",
    )
    put("GOVERNANCE", 10)
    put("GOVERNANCE", 20)  # extending needs no bypass
    with pytest.raises(S3Error) as exc:
        put("GOVERNANCE", 5)
    assert exc.value.code == "AccessDenied"
    put("GOVERNANCE", 5, bypass=True)
    put("COMPLIANCE", 30)
    for mode, days in (("COMPLIANCE", 10), ("GOVERNANCE", 40)):
        with pytest.raises(S3Error) as exc:
            put(mode, days, bypass=True)
        assert (exc.value.code, exc.value.http_status) == ("AccessDenied", 403)
    with pytest.raises(S3Error):
        store.put_object_retention("lock", "k", None, bypass_governance=True)
    put("COMPLIANCE", 60)
    clock.now += 61 * day  # expired: the version can go
    store.delete_object("lock", "k", version_id=store.head_object("lock", "k").version_id)


def test_restore_takes_time_and_expires(root: Path) -> None:
    clock = Clock()
    store = DirStore(root, clock=clock, restore_delay=timedelta(hours=5))
    store.create_bucket("cold")
    store.put_object("cold", "k", b"ice", storage_class="DEEP_ARCHIVE")
    assert store.restore_object("cold", "k", days=2) == 202
    assert store.head_object("cold", "k").restore.ongoing  # type: ignore[union-attr]
    with pytest.raises(S3Error) as exc:
        store.restore_object("cold", "k", days=2)
    assert (exc.value.code, exc.value.http_status) == ("RestoreAlreadyInProgress", 409)
    with pytest.raises(S3Error) as exc:
        store.get_object("cold", "k")
    assert exc.value.code == "InvalidObjectState"
    clock.now += timedelta(hours=6)
    assert store.get_object("cold", "k").read() == b"ice"
    assert store.restore_object("cold", "k", days=3) == 200  # extends the copy
    clock.now += timedelta(days=4)
    assert store.head_object("cold", "k").archived


# -- concurrency ------------------------------------------------------------------------------


def test_threads_tagging_different_objects(ds: DirStore) -> None:
    keys = [f"t/{i:03d}" for i in range(200)]
    for key in keys:
        ds.put_object("data", key, key.encode())

    def work(key: str) -> None:
        for n in range(3):
            ds.put_object_tagging("data", key, {"key": key, "n": str(n)})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, keys))
    for key in keys:
        assert ds.get_object_tagging("data", key) == {"key": key, "n": "2"}
        assert ds.get_object("data", key).read() == key.encode()


def test_threads_updating_one_object_lose_nothing(ds: DirStore) -> None:
    ds.put_object("data", "shared", b"x")

    def work(i: int) -> None:
        ds.put_object_tagging("data", "shared", {"i": str(i)})
        ds.put_object_acl("data", "shared", "public-read" if i % 2 else "private")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(40)))
    assert set(ds.get_object_tagging("data", "shared")) == {"i"}


def _tag_in_process(root: str, keys: list[str]) -> None:
    store = DirStore(root)
    for key in keys:
        store.put_object_tagging("data", key, {"by": str(os.getpid()), "key": key})


def test_processes_tagging_different_objects(ds: DirStore, root: Path) -> None:
    keys = [f"p/{i:03d}" for i in range(120)]
    for key in keys:
        ds.put_object("data", key, b"x")
    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    procs = [ctx.Process(target=_tag_in_process, args=(str(root), keys[i::4])) for i in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0
    for key in keys:
        assert ds.get_object_tagging("data", key)["key"] == key
    assert not list((root / "data/.s3bo/tmp").iterdir())


def test_a_long_key_is_limited_by_its_segments_not_its_length(ds: DirStore) -> None:
    """S3 allows 1,024 bytes; a folder on disk allows 255 per segment: say which limit."""
    long_key = "/".join(["s" * 200] * 5)[:1024]
    ds.put_object("data", long_key, b"x")
    assert ds.head_object("data", long_key).size == 1
    with pytest.raises(S3Error) as exc:
        ds.put_object("data", "k" * 1024, b"x")
    assert (exc.value.code, exc.value.http_status) == ("InvalidArgument", 400)
    assert "1,024 bytes" in exc.value.message and "at most 255 bytes" in exc.value.message
    with pytest.raises(S3Error) as exc:
        ds.put_object("data", "k" * 1025, b"x")
    assert exc.value.code == "KeyTooLongError"  # S3's own limit, checked first


def test_a_folder_marker_is_a_folder_on_disk(ds: DirStore, root: Path) -> None:
    ds.put_object("data", "reports/2024/", b"")
    assert (root / "data/reports/2024").is_dir()
    assert not list((root / "data/reports/2024").iterdir())
    with pytest.raises(S3Error) as exc:
        ds.put_object("data", "reports", b"file where a folder is")
    assert exc.value.code == "InvalidArgument"
    ds.put_object("data", "plain", b"x")
    with pytest.raises(S3Error) as exc:
        ds.put_object("data", "plain/", b"")
    assert exc.value.code == "InvalidArgument"
    (root / "data/by-hand").mkdir()  # a folder made by hand is no marker
    assert [o.key for o in ds.list_objects("data")] == ["plain", "reports/2024/"]
    ds.delete_object("data", "reports/2024/")
    assert not (root / "data/reports").exists()


def test_a_copy_job_copies_folder_markers(s3bo, run_worker, state_dir: Path) -> None:
    from tests.engine.conftest import job_args, put_manifest

    store = DirStore(state_dir / "buckets")
    store.create_bucket("src")
    store.create_bucket("dest")
    store.put_object("src", "photos/", b"")
    store.put_object("src", "photos/a.jpg", b"jpeg")
    manifest = put_manifest(store, [("src", "photos/"), ("src", "photos/a.jpg")])
    operation = {"S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::dest"}}
    job_id = s3bo(*job_args(operation, manifest)).json["JobId"]
    run_worker()
    job = s3bo("describe-job", "--job-id", job_id).json["Job"]
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 2, job
    assert [o.key for o in store.list_objects("dest")] == ["photos/", "photos/a.jpg"]


def test_a_tag_write_tells_its_observer_what_it_replaces_before_saving(
    ds: DirStore, root: Path
) -> None:
    """Before-images ride on the tag write: the old ETag, version and tags, under the lock."""
    (root / "data/dropped").write_bytes(b"by hand")  # no record, no ETag yet
    seen: list[tuple[str, str | None, dict[str, str]]] = []
    record = root / "data/.s3bo/meta/dropped"

    def before(etag: str, version_id: str | None, tags: dict[str, str]) -> None:
        assert not record.exists()  # told before the change is saved
        seen.append((etag, version_id, tags))

    ds.put_object_tagging("data", "dropped", {"a": "1"}, before=before)
    etag = hashlib.md5(b"by hand").hexdigest()
    assert seen == [(etag, None, {})]
    assert json.loads(record.read_text())["etag"] == etag  # saved with the change
    assert ds.head_object("data", "dropped").etag == etag

    ds.delete_object_tagging("data", "dropped", before=lambda *old: seen.append(old))
    assert seen[-1] == (etag, None, {"a": "1"})
    assert ds.get_object_tagging("data", "dropped") == {}


def test_an_observer_that_fails_leaves_the_object_unchanged(ds: DirStore) -> None:
    ds.put_object("data", "k", b"v", tags={"keep": "me"})

    def refuse(*old: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        ds.put_object_tagging("data", "k", {"new": "1"}, before=refuse)
    assert ds.get_object_tagging("data", "k") == {"keep": "me"}
