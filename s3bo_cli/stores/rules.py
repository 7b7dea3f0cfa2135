"""Amazon S3's rules, shared by both stores: limits, validation, and its errors.

Every failure is an :class:`s3bo_cli.errors.S3Error` carrying the code, HTTP
status and message Amazon S3 would return.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from s3bo_cli.errors import S3Error
from s3bo_cli.stores.types import Acl, Grant, ObjectLock, ObjectMetadata

#: CopyObject refuses sources larger than this (5 GiB).
MAX_COPY_SIZE = 5 * 1024**3
MAX_KEY_BYTES = 1024
MAX_TAGS = 10
MAX_USER_METADATA_BYTES = 2048

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

_TAG_PATTERN = re.compile(r"^[\w\s.:/=+\-@]*$")


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


def not_implemented(operation: str) -> S3Error:
    return S3Error("NotImplemented", 501, f"{operation} is not available on this object store")


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
