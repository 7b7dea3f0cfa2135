"""The ObjectStore protocol: the S3 data-plane operations the batch engine acts through.

Both stores (the embedded :class:`~s3bo_cli.stores.dirstore.DirStore` and the
boto3-backed :class:`~s3bo_cli.stores.s3store.S3Store`) implement it; the value
types are in :mod:`s3bo_cli.stores.types`, S3's rules in :mod:`s3bo_cli.stores.rules`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

from s3bo_cli.stores.types import (
    Acl,
    Body,
    BucketConfig,
    Directive,
    ObjectBody,
    ObjectInfo,
    ObjectLock,
    ObjectMetadata,
    ObjectSummary,
    Retention,
    Sse,
    WriteResult,
)


class ObjectStore(Protocol):
    """The S3 data-plane operations the batch engine needs."""

    #: True when requests cross a network (the engine then adapts how many are in flight).
    remote: bool
    #: True when ``update_object_encryption`` works (else it is ``NotImplemented``).
    encrypts_in_place: bool

    def create_bucket(
        self, bucket: str, *, versioning: bool = False, object_lock: bool = False
    ) -> None: ...

    def bucket_exists(self, bucket: str) -> bool: ...

    def list_buckets(self) -> list[str]: ...

    def get_bucket_config(self, bucket: str) -> BucketConfig: ...

    def put_bucket_versioning(self, bucket: str, status: str) -> None: ...

    def put_bucket_replication(self, bucket: str, config: Mapping) -> None: ...

    def list_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectSummary]: ...

    def head_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo: ...

    def get_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectBody: ...

    def put_object(
        self,
        bucket: str,
        key: str,
        body: Body,
        *,
        metadata: ObjectMetadata | None = None,
        tags: Mapping[str, str] | None = None,
        storage_class: str | None = None,
        checksum_algorithm: str | None = None,
        sse: Sse | None = None,
        acl: Acl | str | None = None,
        lock: ObjectLock | None = None,
    ) -> WriteResult: ...

    def copy_object(
        self,
        src_bucket: str,
        src_key: str,
        dest_bucket: str,
        dest_key: str,
        *,
        src_version_id: str | None = None,
        metadata_directive: Directive = "COPY",
        metadata: ObjectMetadata | None = None,
        tagging_directive: Directive = "COPY",
        tags: Mapping[str, str] | None = None,
        storage_class: str | None = None,
        acl: Acl | str | None = None,
        sse: Sse | None = None,
        checksum_algorithm: str | None = None,
        lock: ObjectLock | None = None,
    ) -> WriteResult: ...

    def get_object_tagging(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> dict[str, str]: ...

    def put_object_tagging(
        self, bucket: str, key: str, tags: Mapping[str, str], *, version_id: str | None = None
    ) -> None: ...

    def delete_object_tagging(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> None: ...

    def get_object_acl(self, bucket: str, key: str, version_id: str | None = None) -> Acl: ...

    def put_object_acl(
        self, bucket: str, key: str, acl: Acl | str, *, version_id: str | None = None
    ) -> None: ...

    def get_object_retention(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> Retention | None: ...

    def put_object_retention(
        self,
        bucket: str,
        key: str,
        retention: Retention | None,
        *,
        version_id: str | None = None,
        bypass_governance: bool = False,
    ) -> None: ...

    def get_object_legal_hold(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> bool: ...

    def put_object_legal_hold(
        self, bucket: str, key: str, on: bool, *, version_id: str | None = None
    ) -> None: ...

    def restore_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        days: int | None = 1,
        tier: str = "Standard",
    ) -> int: ...

    def delete_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        bypass_governance: bool = False,
    ) -> str | None: ...

    def update_object_encryption(
        self, bucket: str, key: str, sse: Sse, *, version_id: str | None = None
    ) -> None:
        """Change one version's encryption in place (same bytes, version, ETag, dates).

        S3 endpoints may lack the call: there it fails with ``NotImplemented`` (501)
        rather than rewrite the object.
        """
        ...

    def put_replication_status(
        self, bucket: str, key: str, status: str, *, version_id: str | None = None
    ) -> None:
        """Record a version's replication status (COMPLETED, FAILED, REPLICA, ...).

        An S3 endpoint keeps this itself: there the call does nothing.
        """
        ...
