"""S3ReplicateObject (Batch Replication): copy objects where the bucket's replication rules say.

The source bucket's ReplicationConfiguration (boto3's shape) decides: every
enabled rule whose filter (``Prefix``, ``Tag``, ``And``, or the older rule-level
``Prefix``) matches the object replicates it to the rule's ``Destination``
bucket; of several rules naming one destination the highest ``Priority`` wins.
The replica gets the source version's bytes, metadata and tags, its storage
class (or ``Destination.StorageClass``), its KMS encryption (or
``EncryptionConfiguration.ReplicaKmsKeyID``) and, when the destination bucket
has Object Lock, its retention and legal hold.

Failures: a bucket without replication configuration, an object no enabled
rule covers, and an unversioned destination fail with ``InvalidRequest`` (400);
a missing destination with ``NoSuchBucket`` (404).

Replication status: ``put_replication_status`` marks the source version
``COMPLETED`` and the replica ``REPLICA`` (in the DirStore; an S3 endpoint
records it itself). In the
DirStore the replica gets a version id of its own (S3 keeps the source's), and
ACLs are not replicated: replicas get the destination owner's default ACL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from s3bo_cli import clock
from s3bo_cli.errors import S3Error
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.ops import Outcome, TaskContext, version
from s3bo_cli.stores.base import ObjectInfo, ObjectLock, Sse


def _matches(rule: dict[str, Any], key: str, tags_of: Callable[[], dict[str, str]]) -> bool:
    if rule.get("Status") != "Enabled":
        return False
    spec = rule.get("Filter")
    if spec is None:
        return key.startswith(rule.get("Prefix") or "")
    prefix, wanted = spec.get("Prefix") or "", []
    if "Tag" in spec:
        wanted = [spec["Tag"]]
    if "And" in spec:
        prefix, wanted = spec["And"].get("Prefix") or "", spec["And"].get("Tags") or []
    if not key.startswith(prefix):
        return False
    if not wanted:
        return True
    tags = tags_of()
    return all(tags.get(tag["Key"]) == tag["Value"] for tag in wanted)


def destinations(
    config: dict[str, Any], key: str, tags_of: Callable[[], dict[str, str]]
) -> dict[str, dict[str, Any]]:
    """Destination bucket -> the rule that replicates ``key`` there."""
    chosen: dict[str, dict[str, Any]] = {}
    for rule in config.get("Rules") or []:
        if not _matches(rule, key, tags_of):
            continue
        bucket = str((rule.get("Destination") or {}).get("Bucket", "")).rsplit(":", 1)[-1]
        if not bucket:
            continue
        current = chosen.get(bucket)
        if current is None or rule.get("Priority", 0) > current.get("Priority", 0):
            chosen[bucket] = rule
    return chosen


def _lock(info: ObjectInfo) -> ObjectLock | None:
    retention = info.retention
    if retention is not None and retention.retain_until <= clock.now():
        retention = None
    lock = ObjectLock(
        mode=retention.mode if retention else None,
        retain_until=retention.retain_until if retention else None,
        legal_hold=True if info.legal_hold else None,
    )
    return lock if lock.requested else None


def _sse(info: ObjectInfo, destination: dict[str, Any]) -> Sse | None:
    kms_key = (destination.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
    if kms_key:
        return Sse("aws:kms", kms_key, info.sse.bucket_key_enabled if info.sse else False)
    if info.sse is not None and info.sse.algorithm != "AES256":
        return info.sse
    return None


def replicate(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Replicate one object version to every destination its bucket's rules name."""
    store, bucket, key = ctx.store, entry.bucket, entry.decoded_key
    config = store.get_bucket_config(bucket).replication
    if not config or not config.get("Rules"):
        raise S3Error(
            "InvalidRequest", 400, "The source bucket does not have a replication configuration"
        )
    info = store.head_object(bucket, key, version(entry))
    source_version = version(entry) or info.version_id
    tags: list[dict[str, str]] = []

    def tags_of() -> dict[str, str]:
        if not tags:
            tags.append(store.get_object_tagging(bucket, key, source_version))
        return tags[0]

    targets = destinations(config, key, tags_of)
    if not targets:
        raise S3Error(
            "InvalidRequest", 400, "No enabled replication rule of the bucket covers the object"
        )
    for dest_bucket, rule in sorted(targets.items()):
        dest_config = store.get_bucket_config(dest_bucket)
        if dest_config.versioning != "Enabled":
            raise S3Error("InvalidRequest", 400, "Destination bucket must have versioning enabled.")
        destination = rule["Destination"]
        storage_class = destination.get("StorageClass") or info.storage_class
        result = store.copy_object(
            bucket,
            key,
            dest_bucket,
            key,
            src_version_id=source_version,
            storage_class=None if storage_class == "STANDARD" else storage_class,
            sse=_sse(info, destination),
            lock=_lock(info) if dest_config.object_lock else None,
        )
        store.put_replication_status(dest_bucket, key, "REPLICA", version_id=result.version_id)
    store.put_replication_status(bucket, key, "COMPLETED", version_id=source_version)
    return Outcome()
