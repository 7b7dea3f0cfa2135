"""Job operations: one module each, behind one registry.

An operation is a function ``run(ctx, entry) -> Outcome``: it acts on one
object through ``ctx.store`` and raises :class:`s3bo_cli.errors.S3Error` with
the code and HTTP status Amazon S3 would return when the task fails.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.stores.base import ObjectStore


@dataclass(frozen=True)
class Outcome:
    """A task that succeeded; ``message`` goes into the report's ResultMessage."""

    http_status: int = 200
    message: str = "Successful"


@dataclass(frozen=True)
class TaskContext:
    """What every task of one job shares."""

    store: ObjectStore
    job_id: str
    account_id: str
    region: str
    body: dict[str, Any]  # the operation's member of JobOperation
    settings: dict[str, Any] = field(default_factory=dict)


Operation = Callable[[TaskContext, ManifestEntry], Outcome]

#: Operation name -> "module:function", imported on first use.
REGISTRY: dict[str, str] = {
    "S3PutObjectTagging": "s3bo_cli.ops.tagging:put_tagging",
    "S3DeleteObjectTagging": "s3bo_cli.ops.tagging:delete_tagging",
    "S3PutObjectCopy": "s3bo_cli.ops.copy:copy",
    "LambdaInvoke": "s3bo_cli.ops.lambda_invoke:invoke",
    "S3PutObjectAcl": "s3bo_cli.ops.acl:put_acl",
    "S3InitiateRestoreObject": "s3bo_cli.ops.restore:restore",
    "S3PutObjectLegalHold": "s3bo_cli.ops.object_lock:put_legal_hold",
    "S3PutObjectRetention": "s3bo_cli.ops.object_lock:put_retention",
    "S3ReplicateObject": "s3bo_cli.ops.replicate:replicate",
    "S3ComputeObjectChecksum": "s3bo_cli.ops.checksum:compute_checksum",
    "S3UpdateObjectEncryption": "s3bo_cli.ops.encryption:update_encryption",
}

#: Operations that read and write an object's metadata only (no object data, no other
#: service): each task makes a few small per-object requests.
METADATA_ONLY = frozenset(
    {
        "S3PutObjectTagging",
        "S3DeleteObjectTagging",
        "S3PutObjectAcl",
        "S3InitiateRestoreObject",
        "S3PutObjectLegalHold",
        "S3PutObjectRetention",
    }
)


def get(name: str) -> Operation | None:
    """The operation's function, or None when the local engine cannot run it."""
    target = REGISTRY.get(name)
    if target is None:
        return None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def version(entry: ManifestEntry) -> str | None:
    """The entry's version id for an S3 call (None when the manifest has none)."""
    return entry.version_id or None
