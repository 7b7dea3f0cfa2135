"""s3bo revert puts back exactly what a job changed, on the DirStore and through the S3Store."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from s3bo_cli import clock
from s3bo_cli.safety.losses import grant_set
from s3bo_cli.stores.base import Retention
from tests.safety.conftest import revert

TAGS = {"S3PutObjectTagging": {"TagSet": [{"Key": "reviewed", "Value": "yes"}]}}
BEFORE = {"a": {"reviewed": "no", "owner": "ann"}, "b": {}, "c": {"team": "x"}}


def tagged(h, bucket: str) -> dict[str, dict[str, str]]:
    return {key: h.store.get_object_tagging(bucket, key) for key in BEFORE}


def seed_tags(h) -> str:
    bucket = h.bucket("photos")
    for key, tags in BEFORE.items():
        h.store.put_object(bucket, key, b"x", tags=tags)
    return bucket


def test_tagging_revert_restores_every_tag_set_and_can_itself_be_reverted(both):
    bucket = seed_tags(both)
    job = both.run(TAGS, [(bucket, k) for k in BEFORE])
    assert all(tags == {"reviewed": "yes"} for tags in tagged(both, bucket).values())

    undone = revert(both, job.job["JobId"])
    assert undone.job["Status"] == "Complete"
    assert undone.job["Description"] == f"Revert of {job.job['JobId']}"
    assert tagged(both, bucket) == BEFORE
    assert {row.outcome for row in undone.rows} == {("succeeded", "200", "")}

    redone = revert(both, undone.job["JobId"])
    assert redone.job["Status"] == "Complete"
    assert all(tags == {"reviewed": "yes"} for tags in tagged(both, bucket).values())


def test_revert_skips_objects_changed_since_the_job(both):
    bucket = seed_tags(both)
    job = both.run(TAGS, [(bucket, k) for k in BEFORE])
    both.store.put_object_tagging(bucket, "a", {"newer": "1"})  # tags changed since
    both.store.put_object(bucket, "b", b"new data", tags={"reviewed": "yes"})  # replaced

    dry = both.s3bo(*both.global_args, "revert", job.job["JobId"], "--dry-run").json
    assert (dry["Objects"], dry["WouldPutBack"]) == (3, 1)
    assert dry["WouldRefuse"] == {"ObjectChangedSinceJob": 2}

    undone = revert(both, job.job["JobId"])
    assert undone.row("a").outcome == ("failed", "409", "ObjectChangedSinceJob")
    assert "tags changed since the job" in undone.row("a").message
    assert undone.row("b").outcome == ("failed", "409", "ObjectChangedSinceJob")
    assert "replaced since the job" in undone.row("b").message
    assert undone.row("c").outcome == ("succeeded", "200", "")
    assert tagged(both, bucket) == {
        "a": {"newer": "1"},
        "b": {"reviewed": "yes"},
        "c": {"team": "x"},
    }


def test_delete_tagging_revert(both):
    bucket = seed_tags(both)
    job = both.run({"S3DeleteObjectTagging": {}}, [(bucket, k) for k in BEFORE])
    assert all(tags == {} for tags in tagged(both, bucket).values())
    undone = revert(both, job.job["JobId"])
    assert tagged(both, bucket) == BEFORE
    assert undone.row("b").message.startswith("Nothing to put back")


def test_acl_revert_restores_the_grants(both):
    bucket = both.bucket("photos")
    both.store.put_object(bucket, "public", b"x", acl="public-read")
    both.store.put_object(bucket, "private", b"x")
    before = {k: both.store.get_object_acl(bucket, k) for k in ("public", "private")}
    op = {
        "S3PutObjectAcl": {"AccessControlPolicy": {"CannedAccessControlList": "authenticated-read"}}
    }
    job = both.run(op, [(bucket, "public"), (bucket, "private")])
    assert both.store.get_object_acl(bucket, "public").grants != before["public"].grants
    undone = revert(both, job.job["JobId"])
    assert {row.outcome for row in undone.rows} == {("succeeded", "200", "")}, undone.rows
    for key, acl in before.items():
        after = both.store.get_object_acl(bucket, key)
        assert grant_set(after) == grant_set(acl)


def test_legal_hold_and_governance_retention_revert(both):
    bucket = both.bucket("locked", object_lock=True)
    until = clock.now().replace(microsecond=0) + timedelta(days=2)
    both.store.put_object(bucket, "held", b"x")
    both.store.put_object_legal_hold(bucket, "held", True)
    both.store.put_object(bucket, "free", b"x")
    both.store.put_object_retention(bucket, "free", Retention("GOVERNANCE", until))
    rows = [(bucket, "held"), (bucket, "free")]

    job = both.run({"S3PutObjectLegalHold": {"LegalHold": {"Status": "OFF"}}}, rows)
    assert not both.store.get_object_legal_hold(bucket, "held")
    revert(both, job.job["JobId"])
    assert both.store.get_object_legal_hold(bucket, "held") is True
    assert both.store.get_object_legal_hold(bucket, "free") is False

    later = clock.iso(until + timedelta(days=5))
    job = both.run(
        {"S3PutObjectRetention": {"Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": later}}},
        rows,
    )
    revert(both, job.job["JobId"])
    assert both.store.get_object_retention(bucket, "held") is None
    kept = both.store.get_object_retention(bucket, "free")
    assert (kept.mode, kept.retain_until.replace(microsecond=0)) == ("GOVERNANCE", until)


def test_compliance_retention_is_not_shortened(dirstore):
    bucket = dirstore.bucket("locked", object_lock=True)
    dirstore.store.put_object(bucket, "a", b"x")
    until = clock.iso(clock.now() + timedelta(days=3))
    op = {"S3PutObjectRetention": {"Retention": {"Mode": "COMPLIANCE", "RetainUntilDate": until}}}
    job = dirstore.run(op, [(bucket, "a")])
    undone = revert(dirstore, job.job["JobId"], "--no-confirmation-required")
    assert undone.row("a").outcome == ("failed", "403", "RetentionCannotBeShortened")
    assert dirstore.store.get_object_retention(bucket, "a").mode == "COMPLIANCE"


def test_copy_revert_restores_destinations(both):
    source = both.bucket("src")
    versioned = both.bucket("versioned", versioning=True)
    plain = both.bucket("plain")
    for key in ("old", "new"):
        both.store.put_object(source, key, b"copied " + key.encode())
    old = both.store.put_object(versioned, "old", b"previous data")
    both.store.put_object(plain, "old", b"previous data")
    rows = [(source, "old"), (source, "new")]

    job = both.run({"S3PutObjectCopy": {"TargetResource": f"arn:aws:s3:::{versioned}"}}, rows)
    assert both.store.get_object(versioned, "old").read() == b"copied old"
    revert(both, job.job["JobId"])
    restored = both.store.head_object(versioned, "old")
    assert (restored.version_id, both.store.get_object(versioned, "old").read()) == (
        old.version_id,
        b"previous data",
    )
    assert not [o.key for o in both.store.list_objects(versioned) if o.key == "new"]

    job = both.run({"S3PutObjectCopy": {"TargetResource": f"arn:aws:s3:::{plain}"}}, rows)
    undone = revert(both, job.job["JobId"])
    assert undone.row("old").outcome == ("failed", "400", "PreviousDataNotKept")
    assert undone.row("new").outcome == ("succeeded", "200", "")
    assert [o.key for o in both.store.list_objects(plain)] == ["old"]


def test_hand_dropped_files_are_tagged_and_reverted(dirstore, state_dir):
    """On the DirStore the tag write records the before-image itself, with the file's ETag."""
    bucket = dirstore.bucket("dropped")
    for key in ("x", "y/z"):
        path = state_dir / "buckets" / bucket / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(key.encode())  # no record: the ETag is computed on first use
    job = dirstore.run(TAGS, [(bucket, "x"), (bucket, "y/z")])
    assert {row.outcome for row in job.rows} == {("succeeded", "200", "")}
    etags = {key: dirstore.store.head_object(bucket, key).etag for key in ("x", "y/z")}
    assert etags == {key: hashlib.md5(key.encode()).hexdigest() for key in ("x", "y/z")}

    undone = revert(dirstore, job.job["JobId"])
    assert {row.outcome for row in undone.rows} == {("succeeded", "200", "")}
    assert {k: dirstore.store.get_object_tagging(bucket, k) for k in ("x", "y/z")} == {
        "x": {},
        "y/z": {},
    }
