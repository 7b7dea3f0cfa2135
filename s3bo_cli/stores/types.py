"""The values an object store deals in: buckets, objects, metadata, ACLs, locks.

Plain frozen dataclasses, shared by both stores, the operations and the dry run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, BinaryIO, Literal, Union

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
#: Classes whose objects must be restored before they can be read or copied.
ARCHIVE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})

LockMode = Literal["GOVERNANCE", "COMPLIANCE"]
Directive = Literal["COPY", "REPLACE"]
Body = Union[bytes, IO[bytes]]  # noqa: UP007 - a runtime alias on Python 3.10


@dataclass(frozen=True)
class BucketConfig:
    """What the engine needs to know about a bucket."""

    name: str
    versioning: Literal["Enabled", "Suspended"] | None = None  # None: never enabled
    object_lock: bool = False
    replication: dict | None = None  # the boto3 ReplicationConfiguration shape


@dataclass(frozen=True)
class ObjectMetadata:
    """System headers S3 stores with an object, plus lower-cased user metadata."""

    content_type: str = DEFAULT_CONTENT_TYPE
    cache_control: str | None = None
    content_disposition: str | None = None
    content_encoding: str | None = None
    content_language: str | None = None
    expires: datetime | None = None
    website_redirect_location: str | None = None
    user: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sse:
    """Server-side encryption: ``AES256``, ``aws:kms`` or ``aws:kms:dsse``."""

    algorithm: str = "AES256"
    kms_key_id: str | None = None
    bucket_key_enabled: bool = False


@dataclass(frozen=True)
class Retention:
    """Object Lock retention of one object version."""

    mode: LockMode
    retain_until: datetime


@dataclass(frozen=True)
class Grant:
    """One ACL grant; ``grantee_type`` is CanonicalUser, Group or AmazonCustomerByEmail."""

    permission: str
    grantee_type: str
    identifier: str  # canonical id, group URI or email address
    display_name: str | None = None


@dataclass(frozen=True)
class Acl:
    """An access control policy: owner plus grants."""

    owner_id: str
    grants: tuple[Grant, ...] = ()
    owner_name: str | None = None


@dataclass(frozen=True)
class RestoreStatus:
    """The ``x-amz-restore`` state of an archived object."""

    ongoing: bool
    expiry: datetime | None = None


@dataclass(frozen=True)
class ObjectSummary:
    """One entry of a bucket listing."""

    key: str
    size: int
    etag: str  # hex, without quotes
    last_modified: datetime
    storage_class: str = "STANDARD"


@dataclass(frozen=True)
class ObjectInfo:
    """Everything HeadObject tells about one object version."""

    bucket: str
    key: str
    version_id: str | None  # None in a bucket that never had versioning
    size: int
    etag: str  # hex, without quotes
    last_modified: datetime
    storage_class: str = "STANDARD"
    metadata: ObjectMetadata = field(default_factory=ObjectMetadata)
    checksums: dict[str, str] = field(default_factory=dict)  # algorithm -> base64
    sse: Sse | None = None
    restore: RestoreStatus | None = None
    retention: Retention | None = None
    legal_hold: bool = False
    replication_status: str | None = None  # COMPLETED, PENDING, FAILED, REPLICA

    @property
    def archived(self) -> bool:
        """True when the data cannot be read until a restore completes."""
        if self.storage_class not in ARCHIVE_CLASSES:
            return False
        return self.restore is None or self.restore.ongoing


@dataclass(frozen=True)
class WriteResult:
    """What PutObject and CopyObject return."""

    etag: str
    version_id: str | None
    last_modified: datetime | None = None
    checksums: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ObjectLock:
    """Object Lock settings for a new object (PutObject / CopyObject)."""

    mode: LockMode | None = None
    retain_until: datetime | None = None
    legal_hold: bool | None = None

    @property
    def requested(self) -> bool:
        return bool(self.mode or self.retain_until or self.legal_hold)


class ObjectBody:
    """A readable object: ``info`` plus a binary stream; use it as a context manager."""

    def __init__(self, info: ObjectInfo, stream: BinaryIO | IO[bytes]) -> None:
        self.info = info
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size) if size >= 0 else self._stream.read()

    def iter_chunks(self, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        while chunk := self._stream.read(chunk_size):
            yield chunk

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> ObjectBody:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
