"""The ObjectStore contract the batch engine acts through, and its value types.

Both stores (the embedded :class:`~s3bo_cli.stores.dirstore.DirStore` and the
boto3-backed :class:`~s3bo_cli.stores.s3store.S3Store`) implement
:class:`ObjectStore`. Every failure is an :class:`s3bo_cli.errors.S3Error`
carrying the code, HTTP status and message Amazon S3 would return.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, BinaryIO, Literal, Protocol, Union

from s3bo_cli.errors import S3Error

#: CopyObject refuses sources larger than this (5 GiB).
MAX_COPY_SIZE = 5 * 1024**3
MAX_KEY_BYTES = 1024
MAX_TAGS = 10
MAX_USER_METADATA_BYTES = 2048
DEFAULT_CONTENT_TYPE = "binary/octet-stream"

STORAGE_CLASSES = frozenset(
    {
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "OUTPOSTS",
        "GLACIER_IR",
        "SNOW",
        "EXPRESS_ONEZONE",
    }
)
#: Classes whose objects must be restored before they can be read or copied.
ARCHIVE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
CHECKSUM_ALGORITHMS = frozenset({"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "SHA512", "MD5"})
CANNED_ACLS = frozenset(
    {
        "private",
        "public-read",
        "public-read-write",
        "aws-exec-read",
        "authenticated-read",
        "bucket-owner-read",
        "bucket-owner-full-control",
    }
)
PERMISSIONS = frozenset({"FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP"})
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"

LockMode = Literal["GOVERNANCE", "COMPLIANCE"]
Directive = Literal["COPY", "REPLACE"]
Body = Union[bytes, IO[bytes]]  # noqa: UP007 - a runtime alias on Python 3.10

_TAG_PATTERN = re.compile(r"^[\w\s.:/=+\-@]*$")


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


class ObjectStore(Protocol):
    """The S3 data-plane operations the batch engine needs."""

    #: True when requests cross a network (the engine then adapts how many are in flight).
    remote: bool

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


# -- errors, with Amazon S3's codes, statuses and messages -------------------------


def no_such_bucket() -> S3Error:
    return S3Error("NoSuchBucket", 404, "The specified bucket does not exist")


def no_such_key() -> S3Error:
    return S3Error("NoSuchKey", 404, "The specified key does not exist.")


def no_such_version() -> S3Error:
    return S3Error("NoSuchVersion", 404, "The specified version does not exist.")


def invalid_version() -> S3Error:
    return S3Error("InvalidArgument", 400, "Invalid version id specified")


def access_denied() -> S3Error:
    return S3Error("AccessDenied", 403, "Access Denied")


def lock_not_enabled() -> S3Error:
    return S3Error("InvalidRequest", 400, "Bucket is missing Object Lock Configuration")


def method_not_allowed() -> S3Error:
    return S3Error(
        "MethodNotAllowed", 405, "The specified method is not allowed against this resource."
    )


def invalid_tag(message: str) -> S3Error:
    return S3Error("InvalidTag", 400, message)


# -- validation shared by both stores ------------------------------------------------


def check_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Validate an object tag set as S3 does; returns it as a plain dict."""
    if len(tags) > MAX_TAGS:
        raise S3Error("BadRequest", 400, "Object tags cannot be greater than 10")
    for key, value in tags.items():
        if key.startswith("aws:"):
            raise invalid_tag("Your TagKey cannot be prefixed with aws:")
        if len(key) > 128:
            raise invalid_tag("The TagKey you have provided is too long, max 128")
        if len(value) > 256:
            raise invalid_tag("The TagValue you have provided is too long, max 256")
        if not key or not _TAG_PATTERN.match(key):
            raise invalid_tag("The TagKey you have provided is invalid")
        if not _TAG_PATTERN.match(value):
            raise invalid_tag("The TagValue you have provided is invalid")
    return dict(tags)


def tags_from_tagset(tag_set: list[Mapping[str, str]]) -> dict[str, str]:
    """Turn a boto3 ``TagSet`` list into a dict, rejecting duplicate keys as S3 does."""
    tags: dict[str, str] = {}
    for tag in tag_set:
        if tag["Key"] in tags:
            raise invalid_tag("Cannot provide multiple Tags with the same key")
        tags[tag["Key"]] = tag["Value"]
    return tags


def check_storage_class(storage_class: str | None) -> None:
    if storage_class is not None and storage_class not in STORAGE_CLASSES:
        raise S3Error("InvalidStorageClass", 400, "The storage class you specified is not valid")


def check_checksum_algorithm(algorithm: str | None) -> None:
    if algorithm is not None and algorithm not in CHECKSUM_ALGORITHMS:
        raise S3Error("InvalidRequest", 400, f"Checksum algorithm {algorithm} is not supported")


def check_metadata(metadata: ObjectMetadata | None) -> None:
    if metadata is None:
        return
    size = sum(len(k.encode()) + len(v.encode()) for k, v in metadata.user.items())
    if size > MAX_USER_METADATA_BYTES:
        raise S3Error(
            "MetadataTooLarge",
            400,
            "Your metadata headers exceed the maximum allowed metadata size",
        )


def check_key(key: str) -> None:
    """Rules every S3 endpoint applies to a key."""
    if not key:
        raise S3Error("InvalidArgument", 400, "Object key must not be empty")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise S3Error("KeyTooLongError", 400, "Your key is too long")


def check_lock(lock: ObjectLock | None) -> None:
    """Mode and retain-until-date go together, as S3 requires."""
    if lock is None:
        return
    if bool(lock.mode) != bool(lock.retain_until):
        raise S3Error(
            "InvalidArgument",
            400,
            "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied",
        )


def canned_grants(canned: str, owner_id: str, owner_name: str | None = None) -> tuple[Grant, ...]:
    """The grants a canned ACL stands for (the bucket owner is the object owner here)."""
    if canned not in CANNED_ACLS:
        raise S3Error("InvalidArgument", 400, f"Invalid canned ACL: {canned}")
    owner = Grant("FULL_CONTROL", "CanonicalUser", owner_id, owner_name)
    extra: dict[str, tuple[Grant, ...]] = {
        "public-read": (Grant("READ", "Group", ALL_USERS),),
        "public-read-write": (
            Grant("READ", "Group", ALL_USERS),
            Grant("WRITE", "Group", ALL_USERS),
        ),
        "authenticated-read": (Grant("READ", "Group", AUTHENTICATED_USERS),),
    }
    return (owner, *extra.get(canned, ()))


def check_acl(acl: Acl) -> None:
    for grant in acl.grants:
        if grant.permission not in PERMISSIONS:
            raise S3Error(
                "MalformedACLError",
                400,
                "The XML you provided was not well-formed "
                "or did not validate against our published schema",
            )
