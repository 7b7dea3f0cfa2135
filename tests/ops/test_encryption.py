"""S3UpdateObjectEncryption jobs."""

from __future__ import annotations

from datetime import timedelta

from s3bo_cli import clock
from s3bo_cli.stores.base import Retention, Sse

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _op(key_arn: str = KEY_ARN, bucket_key: bool = True) -> dict:
    kms = {"KMSKeyArn": key_arn, "BucketKeyEnabled": bucket_key}
    return {"S3UpdateObjectEncryption": {"ObjectEncryption": {"SSEKMS": kms}}}


def test_encryption_changes_in_place(dirstore):
    store = dirstore.store
    bucket = dirstore.bucket("secure", versioning=True)
    written = store.put_object(bucket, "a.txt", b"secret", checksum_algorithm="SHA256")
    store.put_object(bucket, "b.txt", b"other", sse=Sse("aws:kms", "arn:old", False))
    before = store.head_object(bucket, "a.txt")
    done = dirstore.run(_op(), [(bucket, "a.txt"), (bucket, "b.txt")])
    assert done.row("a.txt").outcome == ("succeeded", "200", "")
    assert done.row("b.txt").outcome == ("succeeded", "200", "")
    after = store.head_object(bucket, "a.txt")
    assert after.sse == Sse("aws:kms", KEY_ARN, True)
    assert after.version_id == written.version_id
    assert (after.etag, after.last_modified, after.checksums, after.size) == (
        before.etag,
        before.last_modified,
        before.checksums,
        before.size,
    )
    with store.get_object(bucket, "a.txt") as body:
        assert body.read() == b"secret"
    assert store.head_object(bucket, "b.txt").sse.kms_key_id == KEY_ARN


def test_refusals_carry_s3_codes(dirstore):
    store = dirstore.store
    bucket = dirstore.bucket("secure", object_lock=True)
    store.put_object(bucket, "dsse.txt", b"d", sse=Sse("aws:kms:dsse", "arn:k"))
    store.put_object(bucket, "held.txt", b"h")
    store.put_object_legal_hold(bucket, "held.txt", True)
    store.put_object(bucket, "kept.txt", b"k")
    until = clock.now() + timedelta(days=1)
    store.put_object_retention(bucket, "kept.txt", Retention("GOVERNANCE", until))
    keys = ("dsse.txt", "held.txt", "kept.txt", "gone.txt")
    done = dirstore.run(_op(), [(bucket, k) for k in keys])
    assert done.row("dsse.txt").outcome == ("failed", "400", "InvalidRequest")
    assert done.row("held.txt").outcome == ("failed", "403", "AccessDenied")
    assert done.row("kept.txt").outcome == ("failed", "403", "AccessDenied")
    assert "Object Lock" in done.row("kept.txt").message
    assert done.row("gone.txt").outcome == ("failed", "404", "NoSuchKey")

    other = "arn:aws:kms:us-east-1:999999999999:key/abc"
    row = dirstore.run(_op(other), [(bucket, "dsse.txt")]).row("dsse.txt")
    assert row.outcome == ("failed", "403", "AccessDenied")


def test_stores_without_the_operation_refuse_rather_than_rewrite(both):
    bucket = both.bucket("secure")
    both.store.put_object(bucket, "a.txt", b"a")
    row = both.run(_op(), [(bucket, "a.txt")]).row("a.txt")
    if both.kind == "dir":
        assert row.outcome == ("succeeded", "200", "")
    else:
        assert row.outcome == ("failed", "501", "NotImplemented")
        with both.store.get_object(bucket, "a.txt") as body:
            assert body.read() == b"a"
