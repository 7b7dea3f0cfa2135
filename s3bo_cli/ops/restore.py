"""S3InitiateRestoreObject: start restoring archived objects; the task ends when accepted.

GLACIER and DEEP_ARCHIVE objects need ``ExpirationInDays`` of at least 1.
Objects in other storage classes fail with ``InvalidObjectState`` (403), a
restore still running with ``RestoreAlreadyInProgress`` (409); restoring an
object that is already restored extends its expiry. The DirStore makes the
object readable ``S3BO_RESTORE_DELAY_SECONDS`` after the request (default 0).
"""

from __future__ import annotations

from s3bo_cli.errors import S3Error
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.ops import Outcome, TaskContext, version
from s3bo_cli.stores.base import ARCHIVE_CLASSES

#: GlacierJobTier -> the Tier RestoreObject takes.
TIERS = {"BULK": "Bulk", "STANDARD": "Standard"}


def _not_restorable() -> S3Error:
    return S3Error(
        "InvalidObjectState", 403, "Restore is not allowed for the object's current storage class"
    )


def restore(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Initiate one restore, as RestoreObject does."""
    body = ctx.body
    tier = TIERS.get(str(body.get("GlacierJobTier") or "STANDARD").upper())
    if tier is None:
        raise S3Error("MalformedXML", 400, "The GlacierJobTier you specified is not valid")
    days = body.get("ExpirationInDays")
    info = ctx.store.head_object(entry.bucket, entry.decoded_key, version(entry))
    if info.storage_class in ARCHIVE_CLASSES:
        if days is None or int(days) < 1:
            raise S3Error(
                "InvalidArgument",
                400,
                "ExpirationInDays must be at least 1 to restore GLACIER and DEEP_ARCHIVE objects",
            )
    elif info.storage_class == "INTELLIGENT_TIERING":
        if days:
            raise S3Error(
                "InvalidArgument",
                400,
                "ExpirationInDays must not be set to restore INTELLIGENT_TIERING objects",
            )
    else:
        raise _not_restorable()
    ctx.store.restore_object(
        entry.bucket,
        entry.decoded_key,
        version_id=version(entry),
        days=int(days) if days else None,
        tier=tier,
    )
    return Outcome()
