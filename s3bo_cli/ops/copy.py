"""S3PutObjectCopy: copy each object to the target bucket, with the job's settings."""

from __future__ import annotations

from typing import Any

from s3bo_cli import clock
from s3bo_cli.errors import S3Error
from s3bo_cli.model.arns import bucket_from_arn
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.ops import Outcome, TaskContext, version
from s3bo_cli.stores.base import (
    DEFAULT_CONTENT_TYPE,
    Acl,
    Directive,
    Grant,
    ObjectLock,
    ObjectMetadata,
    Sse,
    tags_from_tagset,
)

_GRANTEE_TYPES = {"id": "CanonicalUser", "emailAddress": "AmazonCustomerByEmail", "uri": "Group"}


def target_key(prefix: str | None, key: str) -> str:
    """``TargetKeyPrefix`` names a folder: ``Folder1`` copies ``a.txt`` to ``Folder1/a.txt``."""
    if not prefix:
        return key
    return prefix + key if prefix.endswith("/") else f"{prefix}/{key}"


def _metadata(meta: dict[str, Any]) -> ObjectMetadata:
    expires = meta.get("HttpExpiresDate")
    return ObjectMetadata(
        content_type=meta.get("ContentType") or DEFAULT_CONTENT_TYPE,
        cache_control=meta.get("CacheControl"),
        content_disposition=meta.get("ContentDisposition"),
        content_encoding=meta.get("ContentEncoding"),
        content_language=meta.get("ContentLanguage"),
        expires=clock.parse(expires) if isinstance(expires, str) else expires,
        user={k.lower(): v for k, v in (meta.get("UserMetadata") or {}).items()},
    )


def _sse(body: dict[str, Any]) -> Sse | None:
    algorithm = (body.get("NewObjectMetadata") or {}).get("SSEAlgorithm")
    key_id = body.get("SSEAwsKmsKeyId")
    if algorithm == "KMS" or key_id:
        return Sse("aws:kms", key_id, bool(body.get("BucketKeyEnabled")))
    if algorithm == "AES256":
        return Sse("AES256")
    return None


def _acl(ctx: TaskContext, body: dict[str, Any]) -> Acl | str | None:
    grants = body.get("AccessControlGrants")
    if grants:
        return Acl(
            owner_id=ctx.account_id,
            grants=tuple(
                Grant(
                    permission=g["Permission"],
                    grantee_type=_GRANTEE_TYPES.get(g["Grantee"].get("TypeIdentifier", "id"), "id"),
                    identifier=g["Grantee"].get("Identifier", ""),
                    display_name=g["Grantee"].get("DisplayName"),
                )
                for g in grants
            ),
        )
    return body.get("CannedAccessControlList")


def _lock(body: dict[str, Any]) -> ObjectLock | None:
    until = body.get("ObjectLockRetainUntilDate")
    hold = body.get("ObjectLockLegalHoldStatus")
    lock = ObjectLock(
        mode=body.get("ObjectLockMode"),
        retain_until=clock.parse(until) if isinstance(until, str) else until,
        legal_hold=None if hold is None else hold == "ON",
    )
    return lock if lock.requested or hold is not None else None


def _check_conditions(ctx: TaskContext, entry: ManifestEntry, body: dict[str, Any]) -> None:
    since, unmodified = body.get("ModifiedSinceConstraint"), body.get("UnModifiedSinceConstraint")
    if not since and not unmodified:
        return
    info = ctx.store.head_object(entry.bucket, entry.decoded_key, version(entry))
    modified = info.last_modified
    if (since and modified <= clock.parse(since)) or (
        unmodified and modified > clock.parse(unmodified)
    ):
        raise S3Error(
            "PreconditionFailed",
            412,
            "At least one of the pre-conditions you specified did not hold",
        )


def copy(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Copy one object as CopyObject would, with the job's directives."""
    body = ctx.body
    _check_conditions(ctx, entry, body)
    new_meta = body.get("NewObjectMetadata")
    directive: Directive = body.get("MetadataDirective") or ("REPLACE" if new_meta else "COPY")
    new_tags = body.get("NewObjectTagging")
    ctx.store.copy_object(
        entry.bucket,
        entry.decoded_key,
        bucket_from_arn(body["TargetResource"]),
        target_key(body.get("TargetKeyPrefix"), entry.decoded_key),
        src_version_id=version(entry),
        metadata_directive=directive,
        metadata=_metadata(new_meta or {}) if directive == "REPLACE" else None,
        tagging_directive="COPY" if new_tags is None else "REPLACE",
        tags=None if new_tags is None else tags_from_tagset(new_tags),
        storage_class=body.get("StorageClass"),
        acl=_acl(ctx, body),
        sse=_sse(body),
        checksum_algorithm=body.get("ChecksumAlgorithm"),
        lock=_lock(body),
    )
    return Outcome()
