"""Behaviour both stores share, run against a DirStore and an S3Store on moto."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from s3bo_cli.errors import S3Error
from s3bo_cli.stores import ObjectLock, ObjectMetadata, Retention
from s3bo_cli.stores.base import ALL_USERS, ObjectStore, tags_from_tagset
from s3bo_cli.stores.checksums import compute


def _error(exc: pytest.ExceptionInfo[S3Error]) -> tuple[str, int]:
    return exc.value.code, exc.value.http_status


def _future(days: int = 30) -> datetime:
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0)


# -- buckets ---------------------------------------------------------------------------


def test_bucket_config(store: ObjectStore, bucket_name: str) -> None:
    assert not store.bucket_exists(bucket_name)
    store.create_bucket(bucket_name, object_lock=True)
    assert store.bucket_exists(bucket_name)
    assert bucket_name in store.list_buckets()
    config = store.get_bucket_config(bucket_name)
    assert (config.versioning, config.object_lock, config.replication) == ("Enabled", True, None)


def test_plain_bucket_has_no_versioning(store: ObjectStore, bucket: str) -> None:
    config = store.get_bucket_config(bucket)
    assert (config.versioning, config.object_lock) == (None, False)
    store.put_bucket_versioning(bucket, "Enabled")
    assert store.get_bucket_config(bucket).versioning == "Enabled"


def test_missing_bucket(store: ObjectStore) -> None:
    for call in (
        lambda: store.head_object("no-such-bucket-s3bo", "k"),
        lambda: store.get_object("no-such-bucket-s3bo", "k"),
        lambda: store.put_object("no-such-bucket-s3bo", "k", b"x"),
        lambda: list(store.list_objects("no-such-bucket-s3bo")),
    ):
        with pytest.raises(S3Error) as exc:
            call()
        assert _error(exc) == ("NoSuchBucket", 404)
        assert exc.value.message == "The specified bucket does not exist"


# -- objects ---------------------------------------------------------------------------


def test_put_head_get(store: ObjectStore, bucket: str) -> None:
    metadata = ObjectMetadata(content_type="text/plain", user={"owner": "ana"})
    result = store.put_object(bucket, "docs/a.txt", b"hello", metadata=metadata)
    assert result.etag == hashlib.md5(b"hello").hexdigest()
    info = store.head_object(bucket, "docs/a.txt")
    assert (info.size, info.etag, info.storage_class) == (5, result.etag, "STANDARD")
    assert info.metadata.content_type == "text/plain"
    assert info.metadata.user == {"owner": "ana"}
    assert info.version_id in (None, "null")
    with store.get_object(bucket, "docs/a.txt") as body:
        assert body.read() == b"hello"
        assert body.info.etag == result.etag


def test_missing_key(store: ObjectStore, bucket: str) -> None:
    for call in (
        lambda: store.head_object(bucket, "nope"),
        lambda: store.get_object(bucket, "nope"),
        lambda: store.get_object_tagging(bucket, "nope"),
        lambda: store.put_object_tagging(bucket, "nope", {"a": "b"}),
    ):
        with pytest.raises(S3Error) as exc:
            call()
        assert _error(exc) == ("NoSuchKey", 404)
        assert exc.value.message == "The specified key does not exist."


def test_list_objects_sorted_with_prefix(store: ObjectStore, bucket: str) -> None:
    for key in ("b.txt", "a/b", "a-c", "a/a/x", "c/d"):
        store.put_object(bucket, key, key.encode())
    assert [o.key for o in store.list_objects(bucket)] == ["a-c", "a/a/x", "a/b", "b.txt", "c/d"]
    assert [o.key for o in store.list_objects(bucket, "a/")] == ["a/a/x", "a/b"]
    assert [o.key for o in store.list_objects(bucket, "a")] == ["a-c", "a/a/x", "a/b"]
    summary = next(iter(store.list_objects(bucket, "c/")))
    assert (summary.size, summary.etag) == (3, hashlib.md5(b"c/d").hexdigest())


def test_storage_class_and_checksum(store: ObjectStore, bucket: str) -> None:
    store.put_object(bucket, "k", b"data", storage_class="STANDARD_IA", checksum_algorithm="SHA256")
    info = store.head_object(bucket, "k")
    assert info.storage_class == "STANDARD_IA"
    assert info.checksums["SHA256"] == compute(["SHA256"], [b"data"])["SHA256"]
    with pytest.raises(S3Error) as exc:
        store.put_object(bucket, "k", b"data", storage_class="FROZEN")
    assert exc.value.http_status == 400


# -- tags and ACLs -----------------------------------------------------------------------


def test_tagging_round_trip(store: ObjectStore, bucket: str) -> None:
    store.put_object(bucket, "k", b"x", tags={"a": "1"})
    assert store.get_object_tagging(bucket, "k") == {"a": "1"}
    store.put_object_tagging(bucket, "k", {"b": "2", "c": "3"})
    assert store.get_object_tagging(bucket, "k") == {"b": "2", "c": "3"}
    store.delete_object_tagging(bucket, "k")
    assert store.get_object_tagging(bucket, "k") == {}


@pytest.mark.parametrize(
    ("tags", "code"),
    [
        ({f"k{i}": "v" for i in range(11)}, "BadRequest"),
        ({"k" * 129: "v"}, "InvalidTag"),
        ({"k": "v" * 257}, "InvalidTag"),
        ({"aws:reserved": "v"}, "InvalidTag"),
    ],
)
def test_bad_tags(store: ObjectStore, bucket: str, tags: dict[str, str], code: str) -> None:
    store.put_object(bucket, "k", b"x")
    with pytest.raises(S3Error) as exc:
        store.put_object_tagging(bucket, "k", tags)
    assert _error(exc) == (code, 400)
    assert store.get_object_tagging(bucket, "k") == {}


def test_duplicate_tag_keys() -> None:
    with pytest.raises(S3Error) as exc:
        tags_from_tagset([{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}])
    assert _error(exc) == ("InvalidTag", 400)


def test_canned_acl(store: ObjectStore, bucket: str) -> None:
    store.put_object(bucket, "k", b"x")
    private = store.get_object_acl(bucket, "k")
    assert [g.permission for g in private.grants] == ["FULL_CONTROL"]
    store.put_object_acl(bucket, "k", "public-read")
    grants = store.get_object_acl(bucket, "k").grants
    assert ("READ", "Group", ALL_USERS) in {
        (g.permission, g.grantee_type, g.identifier) for g in grants
    }


# -- copy ----------------------------------------------------------------------------------


def test_copy_keeps_or_replaces_metadata_and_tags(store: ObjectStore, bucket: str) -> None:
    meta = ObjectMetadata(content_type="image/png", user={"a": "1"})
    store.put_object(bucket, "src", b"payload", metadata=meta, tags={"t": "1"})
    store.copy_object(bucket, "src", bucket, "same")
    info = store.head_object(bucket, "same")
    assert (info.metadata.content_type, info.metadata.user) == ("image/png", {"a": "1"})
    assert store.get_object_tagging(bucket, "same") == {"t": "1"}

    result = store.copy_object(
        bucket,
        "src",
        bucket,
        "new",
        metadata_directive="REPLACE",
        metadata=ObjectMetadata(content_type="text/csv", user={"b": "2"}),
        tagging_directive="REPLACE",
        tags={"u": "2"},
        storage_class="STANDARD_IA",
    )
    info = store.head_object(bucket, "new")
    assert result.etag == info.etag == hashlib.md5(b"payload").hexdigest()
    assert (info.metadata.content_type, info.metadata.user) == ("text/csv", {"b": "2"})
    assert info.storage_class == "STANDARD_IA"
    assert store.get_object_tagging(bucket, "new") == {"u": "2"}
    with store.get_object(bucket, "new") as body:
        assert body.read() == b"payload"


def test_copy_to_itself_must_change_something(store: ObjectStore, bucket: str) -> None:
    store.put_object(bucket, "k", b"x")
    with pytest.raises(S3Error) as exc:
        store.copy_object(bucket, "k", bucket, "k")
    assert _error(exc) == ("InvalidRequest", 400)
    store.copy_object(bucket, "k", bucket, "k", storage_class="STANDARD_IA")
    assert store.head_object(bucket, "k").storage_class == "STANDARD_IA"


def test_copy_missing_source(store: ObjectStore, bucket: str) -> None:
    with pytest.raises(S3Error) as exc:
        store.copy_object(bucket, "nope", bucket, "dest")
    assert _error(exc) == ("NoSuchKey", 404)


# -- versions --------------------------------------------------------------------------------


def test_versions_and_delete_markers(store: ObjectStore, versioned: str) -> None:
    first = store.put_object(versioned, "k", b"one")
    second = store.put_object(versioned, "k", b"two")
    assert first.version_id and second.version_id and first.version_id != second.version_id
    assert store.head_object(versioned, "k").version_id == second.version_id
    with store.get_object(versioned, "k", first.version_id) as body:
        assert body.read() == b"one"
    store.put_object_tagging(versioned, "k", {"old": "yes"}, version_id=first.version_id)
    assert store.get_object_tagging(versioned, "k", first.version_id) == {"old": "yes"}
    assert store.get_object_tagging(versioned, "k") == {}

    marker = store.delete_object(versioned, "k")
    assert marker not in (None, first.version_id, second.version_id)
    with pytest.raises(S3Error) as exc:
        store.get_object(versioned, "k")
    assert _error(exc) == ("NoSuchKey", 404)
    assert store.head_object(versioned, "k", second.version_id).size == 3


def test_copy_returns_new_version(store: ObjectStore, versioned: str) -> None:
    source = store.put_object(versioned, "src", b"abc")
    result = store.copy_object(versioned, "src", versioned, "dst", src_version_id=source.version_id)
    assert result.version_id and result.version_id != source.version_id
    assert store.head_object(versioned, "dst").version_id == result.version_id


def test_unknown_version(store: ObjectStore, versioned: str) -> None:
    store.put_object(versioned, "k", b"x")
    with pytest.raises(S3Error) as exc:
        store.get_object(versioned, "k", "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY")
    assert _error(exc) == ("NoSuchVersion", 404)


# -- archived objects -------------------------------------------------------------------------


def test_archived_objects_need_a_restore(store: ObjectStore, bucket: str) -> None:
    store.put_object(bucket, "cold", b"frozen", storage_class="GLACIER")
    info = store.head_object(bucket, "cold")
    assert info.archived and info.restore is None
    with pytest.raises(S3Error) as exc:
        store.get_object(bucket, "cold")
    assert _error(exc) == ("InvalidObjectState", 403)
    with pytest.raises(S3Error) as exc:
        store.copy_object(bucket, "cold", bucket, "warm")
    assert exc.value.http_status == 403
    assert exc.value.code in ("InvalidObjectState", "ObjectNotInActiveTierError")

    assert store.restore_object(bucket, "cold", days=2, tier="Bulk") == 202
    info = store.head_object(bucket, "cold")
    assert info.restore is not None and not info.restore.ongoing and not info.archived
    with store.get_object(bucket, "cold") as body:
        assert body.read() == b"frozen"
    store.copy_object(bucket, "cold", bucket, "warm")
    assert store.head_object(bucket, "warm").storage_class == "STANDARD"


def test_restore_requires_an_archived_class(store: ObjectStore, bucket: str) -> None:
    store.put_object(bucket, "hot", b"x")
    with pytest.raises(S3Error) as exc:
        store.restore_object(bucket, "hot", days=1)
    assert _error(exc) == ("InvalidObjectState", 403)


# -- object lock --------------------------------------------------------------------------------


def test_lock_needs_object_lock_bucket(store: ObjectStore, versioned: str) -> None:
    store.put_object(versioned, "k", b"x")
    calls = (
        lambda: store.put_object_retention(versioned, "k", Retention("GOVERNANCE", _future())),
        lambda: store.put_object_legal_hold(versioned, "k", True),
    )
    for call in calls:
        with pytest.raises(S3Error) as exc:
            call()
        assert _error(exc) == ("InvalidRequest", 400)


def test_legal_hold_blocks_version_delete(store: ObjectStore, locked: str) -> None:
    version = store.put_object(locked, "k", b"x").version_id
    store.put_object_legal_hold(locked, "k", True, version_id=version)
    assert store.get_object_legal_hold(locked, "k", version) is True
    with pytest.raises(S3Error) as exc:
        store.delete_object(locked, "k", version_id=version)
    assert _error(exc) == ("AccessDenied", 403)
    store.put_object_legal_hold(locked, "k", False, version_id=version)
    store.delete_object(locked, "k", version_id=version)
    with pytest.raises(S3Error):
        store.head_object(locked, "k", version)


def test_governance_retention_needs_bypass(store: ObjectStore, locked: str) -> None:
    version = store.put_object(locked, "k", b"x").version_id
    until = _future()
    store.put_object_retention(locked, "k", Retention("GOVERNANCE", until), version_id=version)
    retention = store.get_object_retention(locked, "k", version)
    assert retention is not None and retention.mode == "GOVERNANCE"
    assert retention.retain_until == until
    assert store.head_object(locked, "k", version).retention == retention
    with pytest.raises(S3Error) as exc:
        store.delete_object(locked, "k", version_id=version)
    assert _error(exc) == ("AccessDenied", 403)
    store.delete_object(locked, "k", version_id=version, bypass_governance=True)


def test_compliance_retention_blocks_delete(store: ObjectStore, locked: str) -> None:
    lock = ObjectLock(mode="COMPLIANCE", retain_until=_future())
    version = store.put_object(locked, "k", b"x", lock=lock).version_id
    assert store.head_object(locked, "k").retention == Retention("COMPLIANCE", lock.retain_until)
    with pytest.raises(S3Error) as exc:
        store.delete_object(locked, "k", version_id=version, bypass_governance=True)
    assert _error(exc) == ("AccessDenied", 403)
    # A delete without a version id only adds a delete marker, which the lock allows.
    assert store.delete_object(locked, "k") not in (None, version)


def test_put_with_lock_on_plain_bucket(store: ObjectStore, bucket: str) -> None:
    with pytest.raises(S3Error) as exc:
        store.put_object(bucket, "k", b"x", lock=ObjectLock(legal_hold=True))
    assert _error(exc) == ("InvalidRequest", 400)


# -- folder markers: keys ending in / ---------------------------------------------------


def test_folder_markers_are_objects(store: ObjectStore, bucket: str) -> None:
    store.put_object(bucket, "dir/", b"")
    store.put_object(bucket, "dir/a", b"alpha")
    store.put_object(bucket, "dir!", b"bang")
    store.put_object(bucket, "dir/sub/", b"")
    info = store.head_object(bucket, "dir/")
    assert (info.size, info.etag) == (0, hashlib.md5(b"").hexdigest())
    assert store.get_object(bucket, "dir/").read() == b""
    keys = [o.key for o in store.list_objects(bucket)]
    assert keys == ["dir!", "dir/", "dir/a", "dir/sub/"]  # S3's byte order
    assert [o.key for o in store.list_objects(bucket, "dir/")] == ["dir/", "dir/a", "dir/sub/"]
    assert [o.key for o in store.list_objects(bucket, "dir/s")] == ["dir/sub/"]
    store.put_object_tagging(bucket, "dir/", {"kind": "folder"})
    assert store.get_object_tagging(bucket, "dir/") == {"kind": "folder"}
    store.copy_object(bucket, "dir/", bucket, "copy/")
    assert store.head_object(bucket, "copy/").size == 0

    store.delete_object(bucket, "dir/a")
    store.delete_object(bucket, "dir/sub/")
    assert [o.key for o in store.list_objects(bucket, "dir")] == ["dir!", "dir/"]
    store.delete_object(bucket, "dir/")
    assert [o.key for o in store.list_objects(bucket, "dir")] == ["dir!"]
    with pytest.raises(S3Error) as exc:
        store.head_object(bucket, "dir/")
    assert exc.value.http_status == 404


def test_a_folder_marker_outlives_the_keys_under_it(store: ObjectStore, bucket: str) -> None:
    store.put_object(bucket, "a/", b"")
    store.put_object(bucket, "a/b/c", b"x")
    store.delete_object(bucket, "a/b/c")
    assert [o.key for o in store.list_objects(bucket)] == ["a/"]


def test_folder_markers_in_a_versioned_bucket(store: ObjectStore, versioned: str) -> None:
    first = store.put_object(versioned, "dir/", b"")
    marker = store.delete_object(versioned, "dir/")
    assert marker and [o.key for o in store.list_objects(versioned)] == []
    assert store.head_object(versioned, "dir/", first.version_id).size == 0
    store.delete_object(versioned, "dir/", version_id=marker)
    assert [o.key for o in store.list_objects(versioned)] == ["dir/"]
