"""Object stores: where the local batch engine reads and writes real objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from s3bo_cli.stores.base import (
    Acl,
    BucketConfig,
    Grant,
    ObjectBody,
    ObjectInfo,
    ObjectLock,
    ObjectMetadata,
    ObjectStore,
    ObjectSummary,
    RestoreStatus,
    Retention,
    Sse,
    WriteResult,
)

if TYPE_CHECKING:
    from s3bo_cli.config import Settings

__all__ = [
    "Acl",
    "BucketConfig",
    "Grant",
    "ObjectBody",
    "ObjectInfo",
    "ObjectLock",
    "ObjectMetadata",
    "ObjectStore",
    "ObjectSummary",
    "RestoreStatus",
    "Retention",
    "Sse",
    "WriteResult",
    "open_store",
]


def open_store(settings: Settings) -> ObjectStore:
    """S3Store when an S3 endpoint is configured, else the DirStore at ``buckets_dir``."""
    if settings.s3_endpoint_url:
        from s3bo_cli.stores.s3store import S3Store

        return S3Store(settings)
    from s3bo_cli.stores.dirstore import DirStore

    return DirStore(settings.buckets_dir)
