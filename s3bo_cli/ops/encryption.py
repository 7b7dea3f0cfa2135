"""S3UpdateObjectEncryption: switch objects to SSE-KMS in place, as UpdateObjectEncryption does.

Only the encryption changes: the data, version id, ETag, checksums, storage
class and dates stay as they are, and no new version is written. Objects
encrypted with DSSE-KMS (or not at all) fail with ``InvalidRequest``, objects
under a legal hold or an unexpired retention with ``AccessDenied``, a key of
another account with ``AccessDenied``: S3's codes and messages. The store's
``update_object_encryption`` does it: the DirStore in place; an S3 endpoint's
task fails with ``NotImplemented`` (501) rather than rewrite the object.
"""

from __future__ import annotations

import re

from s3bo_cli import clock
from s3bo_cli.errors import S3Error
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.ops import Outcome, TaskContext, version
from s3bo_cli.stores.base import Sse, not_implemented

KMS_KEY_ARN = re.compile(
    r"^arn:aws[a-zA-Z0-9-]*:kms:[a-z0-9-]+:(?P<account>[0-9]{12}):key/[a-zA-Z0-9-]+$"
)
SUPPORTED_SOURCES = ("AES256", "aws:kms")


def _invalid(message: str) -> S3Error:
    return S3Error("InvalidRequest", 400, message)


def target_sse(ctx: TaskContext) -> Sse:
    """The SSE-KMS settings the job asks for, checked as S3 checks them."""
    kms = (ctx.body.get("ObjectEncryption") or {}).get("SSEKMS")
    if not kms:
        raise _invalid(
            "Requests that modify an object encryption configuration require a valid new "
            "encryption type. Valid values are SSEKMS. Modify the request to specify SSE-KMS "
            "for the updated encryption type, and then try again."
        )
    key_arn = str(kms.get("KMSKeyArn") or "")
    match = KMS_KEY_ARN.match(key_arn)
    if match is None:
        raise _invalid(
            "Requests that modify an object's encryption type to SSE-KMS require a valid "
            "AWS KMS key Amazon Resource Name (ARN). Confirm that you have a correctly "
            "formatted KMS key ARN in your request, and then try again."
        )
    if match["account"] != ctx.account_id:
        raise S3Error(
            "AccessDenied",
            403,
            "The AWS KMS key in the request must be owned by the same account as the bucket. "
            "Modify the request to specify a KMS key from the same account, and then try again.",
        )
    return Sse("aws:kms", key_arn, bool(kms.get("BucketKeyEnabled")))


def update_encryption(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Re-encrypt one object version with the job's KMS key."""
    sse = target_sse(ctx)
    if not ctx.store.encrypts_in_place:
        raise not_implemented("UpdateObjectEncryption")
    info = ctx.store.head_object(entry.bucket, entry.decoded_key, version(entry))
    if info.sse is None or info.sse.algorithm not in SUPPORTED_SOURCES:
        current = "unencrypted" if info.sse is None else f"{info.sse.algorithm}-encrypted"
        raise _invalid(
            f"The UpdateObjectEncryption operation doesn't support {current} source objects. "
            "Only source objects encrypted with SSE-S3 or SSE-KMS are supported."
        )
    locked = info.retention is not None and info.retention.retain_until > clock.now()
    if info.legal_hold or locked:
        raise S3Error(
            "AccessDenied",
            403,
            "The encryption type for the specified object can't be updated because that "
            "object is protected by S3 Object Lock.",
        )
    ctx.store.update_object_encryption(
        entry.bucket, entry.decoded_key, sse, version_id=version(entry)
    )
    return Outcome()
