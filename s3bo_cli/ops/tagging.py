"""S3PutObjectTagging and S3DeleteObjectTagging."""

from __future__ import annotations

from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.ops import Outcome, TaskContext, version
from s3bo_cli.stores.base import tags_from_tagset


def put_tagging(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Replace the object's tag set (no merge), as PutObjectTagging does."""
    tags = tags_from_tagset(ctx.body.get("TagSet", []))
    ctx.store.put_object_tagging(entry.bucket, entry.decoded_key, tags, version_id=version(entry))
    return Outcome()


def delete_tagging(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Remove every tag, as DeleteObjectTagging does."""
    ctx.store.delete_object_tagging(entry.bucket, entry.decoded_key, version(entry))
    return Outcome()
