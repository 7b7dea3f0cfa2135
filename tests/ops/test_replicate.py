"""S3ReplicateObject jobs: the bucket's replication configuration decides."""

from __future__ import annotations

from s3bo_cli.stores.base import ObjectMetadata

REPLICATE = {"S3ReplicateObject": {}}
ROLE = "arn:aws:iam::123456789012:role/replication"


def _rule(dest: str, rule_id: str = "all", **extra) -> dict:
    rule = {
        "ID": rule_id,
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{dest}"},
    }
    rule.update(extra)
    return rule


def _source_and_dest(harness):
    source = harness.bucket("source", versioning=True)
    dest = harness.bucket("dest", versioning=True)
    return source, dest


def test_replicates_data_metadata_and_tags(both):
    store = both.store
    source, dest = _source_and_dest(both)
    store.put_bucket_replication(source, {"Role": ROLE, "Rules": [_rule(dest)]})
    meta = ObjectMetadata(content_type="text/plain", user={"owner": "ann"})
    written = store.put_object(source, "docs/a.txt", b"hello", metadata=meta, tags={"t": "1"})
    done = both.run(REPLICATE, [(source, "docs/a.txt", written.version_id)])
    assert done.job["Status"] == "Complete"
    assert done.row("docs/a.txt").outcome == ("succeeded", "200", "")
    with store.get_object(dest, "docs/a.txt") as body:
        assert body.read() == b"hello"
        assert body.info.metadata.content_type == "text/plain"
        assert body.info.metadata.user == {"owner": "ann"}
    assert store.get_object_tagging(dest, "docs/a.txt") == {"t": "1"}
    if both.kind == "dir":
        assert store.head_object(source, "docs/a.txt").replication_status == "COMPLETED"
        assert store.head_object(dest, "docs/a.txt").replication_status == "REPLICA"


def test_rules_filters_priority_and_storage_class(dirstore):
    store = dirstore.store
    source, dest = _source_and_dest(dirstore)
    other = dirstore.bucket("other", versioning=True)
    rules = [
        _rule(dest, "logs", Filter={"Prefix": "logs/"}, Priority=1),
        _rule(
            dest,
            "cold-logs",
            Filter={"And": {"Prefix": "logs/", "Tags": [{"Key": "tier", "Value": "cold"}]}},
            Priority=5,
            Destination={"Bucket": f"arn:aws:s3:::{dest}", "StorageClass": "STANDARD_IA"},
        ),
        _rule(other, "tagged", Filter={"Tag": {"Key": "copy", "Value": "yes"}}, Priority=2),
        _rule(other, "off", Status="Disabled", Filter={"Prefix": "tmp/"}, Priority=3),
    ]
    store.put_bucket_replication(source, {"Role": ROLE, "Rules": rules})
    store.put_object(source, "logs/hot.log", b"h")
    store.put_object(source, "logs/cold.log", b"c", tags={"tier": "cold", "copy": "yes"})
    store.put_object(source, "tmp/x", b"x")
    keys = ("logs/hot.log", "logs/cold.log", "tmp/x")
    done = dirstore.run(REPLICATE, [(source, k) for k in keys])
    assert done.row("logs/hot.log").outcome == ("succeeded", "200", "")
    assert store.head_object(dest, "logs/hot.log").storage_class == "STANDARD"
    assert done.row("logs/cold.log").outcome == ("succeeded", "200", "")
    assert store.head_object(dest, "logs/cold.log").storage_class == "STANDARD_IA"
    assert store.head_object(other, "logs/cold.log").storage_class == "STANDARD"
    assert done.row("tmp/x").outcome == ("failed", "400", "InvalidRequest")
    assert list(store.list_objects(dest, "tmp/")) == list(store.list_objects(other, "tmp/")) == []


def test_without_configuration_or_destination(both):
    store = both.store
    source = both.bucket("source", versioning=True)
    store.put_object(source, "a.txt", b"a")
    row = both.run(REPLICATE, [(source, "a.txt")]).row("a.txt")
    assert row.outcome == ("failed", "400", "InvalidRequest")
    assert "replication configuration" in row.message

    store.put_bucket_replication(source, {"Role": ROLE, "Rules": [_rule(both.name("nowhere"))]})
    row = both.run(REPLICATE, [(source, "a.txt")]).row("a.txt")
    assert row.outcome == ("failed", "404", "NoSuchBucket")


def test_unversioned_destination_and_object_lock(dirstore):
    store = dirstore.store
    source = dirstore.bucket("source", versioning=True)
    plain = dirstore.bucket("plain")
    locked = dirstore.bucket("locked", object_lock=True)
    store.put_bucket_replication(source, {"Role": ROLE, "Rules": [_rule(plain)]})
    store.put_object(source, "a.txt", b"a")
    row = dirstore.run(REPLICATE, [(source, "a.txt")]).row("a.txt")
    assert (row.outcome, row.message) == (
        ("failed", "400", "InvalidRequest"),
        "Destination bucket must have versioning enabled.",
    )

    lock_source = dirstore.bucket("lock-source", object_lock=True)
    store.put_bucket_replication(lock_source, {"Role": ROLE, "Rules": [_rule(locked)]})
    store.put_object(lock_source, "held.txt", b"h")
    store.put_object_legal_hold(lock_source, "held.txt", True)
    done = dirstore.run(REPLICATE, [(lock_source, "held.txt")])
    assert done.row("held.txt").outcome == ("succeeded", "200", "")
    assert store.get_object_legal_hold(locked, "held.txt") is True
