"""S3PutObjectLegalHold and S3PutObjectRetention (Object Lock).

Both fail as S3 does on a bucket without Object Lock (``InvalidRequest``, 400,
"Bucket is missing Object Lock Configuration"). Retention follows S3's rules:
GOVERNANCE can be shortened or removed only with ``BypassGovernanceRetention``;
COMPLIANCE can only be extended (``AccessDenied``, 403, otherwise).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from s3bo_cli import clock
from s3bo_cli.errors import S3Error
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.ops import Outcome, TaskContext, version
from s3bo_cli.stores.base import Retention

MODES = ("GOVERNANCE", "COMPLIANCE")


def _malformed() -> S3Error:
    return S3Error(
        "MalformedXML",
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
    )


def put_legal_hold(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Turn the object's legal hold ON or OFF."""
    status = (ctx.body.get("LegalHold") or {}).get("Status")
    if status not in ("ON", "OFF"):
        raise _malformed()
    ctx.store.put_object_legal_hold(
        entry.bucket, entry.decoded_key, status == "ON", version_id=version(entry)
    )
    return Outcome()


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    try:
        return clock.parse(str(value))
    except ValueError:
        raise _malformed() from None


def retention(body: dict[str, Any]) -> Retention | None:
    """The job's Retention, or None when it names neither mode nor date (remove it)."""
    spec = body.get("Retention") or {}
    mode, until = spec.get("Mode"), spec.get("RetainUntilDate")
    if mode is None and until is None:
        return None
    if mode not in MODES or until is None:
        raise _malformed()
    return Retention(mode, _moment(until))


def put_retention(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Set (or remove) the object version's retention, as PutObjectRetention does."""
    ctx.store.put_object_retention(
        entry.bucket,
        entry.decoded_key,
        retention(ctx.body),
        version_id=version(entry),
        bypass_governance=bool(ctx.body.get("BypassGovernanceRetention")),
    )
    return Outcome()
