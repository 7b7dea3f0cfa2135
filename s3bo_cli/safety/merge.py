"""Tag merges: add tags and keep the others, which AWS's API cannot express in one job.

S3PutObjectTagging replaces the whole tag set, and a Batch Operations job gives
every object the same set. Adding tags while keeping each object's own needs a
per-object set built from the object's current tags: a local-engine job (over
the DirStore or any S3 endpoint) that reads each object's tags and writes the
union. s3bo never sends such a job to AWS.
"""

from __future__ import annotations

from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.ops import Outcome, TaskContext, version
from s3bo_cli.stores.base import tags_from_tagset


def merge_tags(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Put the object's current tags with the job's tags over them (same key: job's value)."""
    key = entry.decoded_key
    current = ctx.store.get_object_tagging(entry.bucket, key, version(entry))
    added = tags_from_tagset(ctx.body.get("TagSet") or [])
    ctx.store.put_object_tagging(entry.bucket, key, {**current, **added}, version_id=version(entry))
    return Outcome()
