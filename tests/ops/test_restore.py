"""S3InitiateRestoreObject jobs."""

from __future__ import annotations

from datetime import timedelta

from s3bo_cli import clock
from s3bo_cli.stores.dirstore import DirStore

RESTORE = {"S3InitiateRestoreObject": {"ExpirationInDays": 2, "GlacierJobTier": "BULK"}}


def test_restore_archived_objects_and_refuse_others(both):
    bucket = both.bucket("archive")
    both.store.put_object(bucket, "cold.bin", b"c", storage_class="GLACIER")
    both.store.put_object(bucket, "deep.bin", b"d", storage_class="DEEP_ARCHIVE")
    both.store.put_object(bucket, "warm.bin", b"w")
    rows = [(bucket, k) for k in ("cold.bin", "deep.bin", "warm.bin", "none.bin")]
    done = both.run(RESTORE, rows)
    assert done.job["Status"] == "Complete"
    for key in ("cold.bin", "deep.bin"):
        assert (done.row(key).outcome, done.row(key).message) == (
            ("succeeded", "200", ""),
            "Successful",
        )
        info = both.store.head_object(bucket, key)
        assert info.restore is not None
    assert done.row("warm.bin").outcome == ("failed", "403", "InvalidObjectState")
    assert done.row("none.bin").outcome == ("failed", "404", "NoSuchKey")
    # Restored (the DirStore's delay defaults to 0; moto restores at once): readable now.
    with both.store.get_object(bucket, "cold.bin") as body:
        assert body.read() == b"c"


def test_archived_objects_need_expiration_days(both):
    bucket = both.bucket("archive")
    both.store.put_object(bucket, "cold.bin", b"c", storage_class="GLACIER")
    done = both.run({"S3InitiateRestoreObject": {"ExpirationInDays": 0}}, [(bucket, "cold.bin")])
    assert done.row("cold.bin").outcome == ("failed", "400", "InvalidArgument")
    assert both.store.head_object(bucket, "cold.bin").restore is None


def test_restore_in_progress_then_ready_after_the_delay(dirstore, monkeypatch):
    monkeypatch.setenv("S3BO_RESTORE_DELAY_SECONDS", "3600")
    bucket = dirstore.bucket("archive")
    dirstore.store.put_object(bucket, "cold.bin", b"c", storage_class="GLACIER")
    first = dirstore.run(RESTORE, [(bucket, "cold.bin")])
    assert first.row("cold.bin").outcome == ("succeeded", "200", "")
    assert dirstore.store.head_object(bucket, "cold.bin").restore.ongoing
    again = dirstore.run(RESTORE, [(bucket, "cold.bin")])
    row = again.row("cold.bin")
    assert (row.outcome, row.message) == (
        ("failed", "409", "RestoreAlreadyInProgress"),
        "Object restore is already in progress",
    )
    later = DirStore(dirstore.store.root, clock=lambda: clock.now() + timedelta(hours=2))
    info = later.head_object(bucket, "cold.bin")
    assert info.restore is not None and not info.restore.ongoing
    assert not info.archived
