"""What a job would destroy, counted on the dry run's sample of objects.

Batch Operations replaces tag sets and ACLs whole, overwrites copy
destinations and changes Object Lock settings without a trace. For each
checked object the dry run reads the state the operation would replace (one
ordinary GET or HEAD, with the user's own credentials) and counts what would go.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from s3bo_cli.errors import S3Error
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.stores.base import Acl, ObjectInfo, ObjectStore, canned_grants, tags_from_tagset

#: The extra read each operation's loss check makes per object: (API, request class).
READS = {
    "S3PutObjectTagging": ("GetObjectTagging", "GET"),
    "S3DeleteObjectTagging": ("GetObjectTagging", "GET"),
    "S3PutObjectAcl": ("GetObjectAcl", "GET"),
    "S3PutObjectCopy": ("HeadObject (destination)", "HEAD"),
}


def grant_set(acl: Acl) -> frozenset[tuple[str, str, str]]:
    """The grants that matter when comparing ACLs (display names do not)."""
    return frozenset((g.permission, g.grantee_type, g.identifier) for g in acl.grants)


class LossCounter:
    """Counts, object by object, what the operation would replace or remove."""

    def __init__(self, store: ObjectStore, name: str, body: dict[str, Any], *, merge: bool = False):
        self.store = store
        self.name = name
        self.body = body
        self.merge = merge
        self.objects = 0  # objects that would lose something
        self.keys: Counter[str] = Counter()  # tag keys dropped (or removed)
        self.values: Counter[str] = Counter()  # tag keys whose value would change
        self.reads = 0
        self.destination_versioned: bool | None = None
        self._new_tags: dict[str, str] | None = None

    @property
    def applies(self) -> bool:
        return self.name in READS or self.name in (
            "S3PutObjectLegalHold",
            "S3PutObjectRetention",
        )

    def count(self, entry: ManifestEntry, info: ObjectInfo, *, retention: Any = None) -> None:
        """Read what ``entry``'s task would replace, and count it (a failed read counts nothing)."""
        try:
            lost = self._inspect(entry, info, retention)
        except S3Error:
            return
        if lost:
            self.objects += 1

    def _inspect(self, entry: ManifestEntry, info: ObjectInfo, retention: Any) -> bool:
        version = entry.version_id or None
        key = entry.decoded_key
        if self.name in ("S3PutObjectTagging", "S3DeleteObjectTagging"):
            self.reads += 1
            return self._tags(self.store.get_object_tagging(entry.bucket, key, version))
        if self.name == "S3PutObjectAcl":
            self.reads += 1
            return self._acl(self.store.get_object_acl(entry.bucket, key, version))
        if self.name == "S3PutObjectCopy":
            return self._destination(key)
        if self.name == "S3PutObjectLegalHold":
            wanted = (self.body.get("LegalHold") or {}).get("Status") == "ON"
            return info.legal_hold != wanted
        if self.name == "S3PutObjectRetention":
            return info.retention != retention
        return False

    def _tags(self, current: dict[str, str]) -> bool:
        if self.name == "S3DeleteObjectTagging":
            self.keys.update(list(current))
            return bool(current)
        if self._new_tags is None:
            self._new_tags = tags_from_tagset(self.body.get("TagSet") or [])
        new = self._new_tags
        dropped = [] if self.merge else [k for k in current if k not in new]
        changed = [k for k, v in current.items() if k in new and new[k] != v]
        self.keys.update(dropped)
        self.values.update(changed)
        return bool(dropped or changed)

    def _acl(self, current: Acl) -> bool:
        from s3bo_cli.ops.acl import policy

        new = policy(self.body)
        if isinstance(new, str):
            wanted = frozenset(
                (g.permission, g.grantee_type, g.identifier)
                for g in canned_grants(new, current.owner_id)
            )
        else:
            wanted = grant_set(new)
        return grant_set(current) != wanted

    def _destination(self, key: str) -> bool:
        from s3bo_cli.engine.requests import bucket_from_arn
        from s3bo_cli.ops.copy import target_key

        bucket = bucket_from_arn(self.body["TargetResource"])
        if self.destination_versioned is None:
            try:
                config = self.store.get_bucket_config(bucket)
                self.destination_versioned = config.versioning == "Enabled"
            except S3Error:
                self.destination_versioned = False
        self.reads += 1
        try:
            self.store.head_object(bucket, target_key(self.body.get("TargetKeyPrefix"), key))
        except S3Error as exc:
            if exc.http_status == 404:
                return False
            raise
        return True

    def result(self, *, checked: int, total: int) -> dict[str, Any] | None:
        """The plan's ``Losses``, or None for an operation that replaces nothing."""
        if not self.applies:
            return None
        losses: dict[str, Any] = {
            "Objects": self.objects,
            "ObjectsChecked": checked,
            "Sampled": checked < total,
        }
        if self.name in ("S3PutObjectTagging", "S3DeleteObjectTagging"):
            losses["TagKeysDropped"] = dict(self.keys.most_common())
            if self.name == "S3PutObjectTagging":
                losses["TagValuesReplaced"] = dict(self.values.most_common())
        if self.name == "S3PutObjectCopy":
            losses["DestinationVersioned"] = bool(self.destination_versioned)
        return losses
