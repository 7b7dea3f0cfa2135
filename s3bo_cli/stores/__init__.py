"""Object stores: where the local batch engine reads and writes real objects."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s3bo_cli.stores.protocol import ObjectStore
from s3bo_cli.stores.types import (
    Acl,
    BucketConfig,
    Grant,
    ObjectBody,
    ObjectInfo,
    ObjectLock,
    ObjectMetadata,
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
    "open_recorded",
    "open_store",
]


def open_store(settings: Settings, *, in_flight: int | None = None) -> ObjectStore:
    """Where the settings' objects live.

    S3 (an S3Store) with ``--s3-endpoint-url`` or with the AWS backend, else the
    embedded DirStore at ``buckets_dir``. ``in_flight``: a store for the engine's
    tasks, with that many connections and no retries of its own.
    """
    if settings.s3_endpoint_url or settings.backend == "aws":
        from s3bo_cli.stores.s3store import S3Store

        return S3Store(settings, in_flight=in_flight)
    from s3bo_cli.stores.dirstore import DirStore

    return DirStore(settings.buckets_dir)


def open_recorded(spec: Mapping[str, Any]) -> ObjectStore:
    """The store a job recorded when it was created, by :func:`open_store`'s rule.

    ``spec`` holds ``region``, ``profile``, ``s3_endpoint_url`` or ``buckets_dir``
    (as the local backend records them) and, for a store to run tasks on,
    ``in_flight``.
    """
    from s3bo_cli.config import Settings

    settings = Settings(
        region=spec.get("region") or "us-east-1",
        profile=spec.get("profile"),
        s3_endpoint_url=spec.get("s3_endpoint_url"),
        store_dir=Path(spec["buckets_dir"]) if spec.get("buckets_dir") else None,
    )
    return open_store(settings, in_flight=spec.get("in_flight"))
