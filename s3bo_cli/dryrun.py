"""``create-job --dry-run``: what a CreateJob request would do, without creating the job.

:func:`plan` validates the request as create-job does, streams the manifest
(or the manifest generator's listing) as the engine would, checks up to
``check_limit`` objects with HeadObject to predict task failures, and prices
the job with :mod:`s3bo_cli.pricing`. Nothing is written: a generator's
manifest output is not produced.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from s3bo_cli import clock, pricing, validation
from s3bo_cli.config import LOCAL_DEFAULT_ACCOUNT, Settings
from s3bo_cli.engine import manifests
from s3bo_cli.engine.manifests.source import ManifestError
from s3bo_cli.engine.requests import check_create_job
from s3bo_cli.errors import S3Error
from s3bo_cli.model.arns import bucket_from_arn
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.model.threshold import FailureThreshold
from s3bo_cli.safety.losses import READS, LossCounter
from s3bo_cli.stores.base import (
    ARCHIVE_CLASSES,
    MAX_COPY_SIZE,
    ObjectInfo,
    ObjectStore,
    Retention,
)

#: HeadObject calls a dry run makes at most, by default.
DEFAULT_CHECK_LIMIT = 10_000
#: Likely failures listed one by one (all are counted).
MAX_LISTED_FAILURES = 20
#: Operations whose tasks read the object's data.
READS_DATA = {
    "S3PutObjectCopy": "copied",
    "LambdaInvoke": "read by the function",
    "S3ComputeObjectChecksum": "read",
}
OBJECT_LOCK_OPERATIONS = frozenset({"S3PutObjectRetention", "S3PutObjectLegalHold"})

Failure = tuple[str, str]  # (ErrorCode, Reason)


class _Checker:
    """Predicts, from HeadObject, whether a task of the operation would fail."""

    def __init__(self, store: ObjectStore, name: str, body: dict[str, Any]) -> None:
        self.store = store
        self.name = name
        self.body = body
        self.now: datetime = clock.now()
        self.restores: dict[str, list[int]] = {}
        self._lock_enabled: dict[str, bool] = {}
        self.retention: Retention | None = None
        self.info: ObjectInfo | None = None  # the last object checked, when it exists
        self._always: Failure | None = self._request_failure()

    def _request_failure(self) -> Failure | None:
        """A failure every task would have, whatever the object."""
        if self.name == "S3PutObjectCopy":
            target = bucket_from_arn(self.body["TargetResource"])
            if not self._exists(target):
                return "NoSuchBucket", f"The target bucket {target} does not exist"
        if self.name in OBJECT_LOCK_OPERATIONS:
            from s3bo_cli.ops.object_lock import retention

            try:
                if self.name == "S3PutObjectRetention":
                    self.retention = retention(self.body)
            except S3Error as exc:
                return exc.code, exc.message
            if self.retention is not None and self.retention.retain_until <= self.now:
                return "InvalidArgument", "The retain until date must be in the future!"
            status = (self.body.get("LegalHold") or {}).get("Status")
            if self.name == "S3PutObjectLegalHold" and status not in ("ON", "OFF"):
                return "MalformedXML", "LegalHold.Status must be ON or OFF"
        return None

    def _exists(self, bucket: str) -> bool:
        try:
            return self.store.bucket_exists(bucket)
        except S3Error:
            return True  # cannot tell: assume it does

    def check(self, entry: ManifestEntry) -> Failure | None:
        if entry.version_id == "":  # as the engine fails it (a versioned manifest, no version)
            return "InvalidRequest", "Task failed due to missing VersionId"
        self.info = None
        try:
            info = self.store.head_object(entry.bucket, entry.decoded_key, entry.version_id)
        except S3Error as exc:
            return exc.code, exc.message
        self.info = info
        if self._always is not None:
            return self._always
        rule = _RULES.get(self.name)
        return rule(self, info) if rule is not None else None

    # -- per-operation rules -------------------------------------------------------

    def _reads(self, info: ObjectInfo) -> Failure | None:
        if info.archived:
            verb = READS_DATA[self.name]
            return (
                "InvalidObjectState",
                f"The object is archived in {info.storage_class}: "
                f"it must be restored before it can be {verb}",
            )
        if self.name == "S3PutObjectCopy" and info.size > MAX_COPY_SIZE:
            return (
                "InvalidRequest",
                f"The object is {info.size} bytes, larger than CopyObject's limit "
                f"of {MAX_COPY_SIZE} (5 GiB)",
            )
        return None

    def _restore(self, info: ObjectInfo) -> Failure | None:
        days = self.body.get("ExpirationInDays")
        if info.storage_class == "INTELLIGENT_TIERING":
            if days:
                return (
                    "InvalidArgument",
                    "ExpirationInDays must not be set to restore INTELLIGENT_TIERING objects",
                )
            return None
        if info.storage_class not in ARCHIVE_CLASSES:
            return (
                "InvalidObjectState",
                f"Restore is not allowed for the object's storage class {info.storage_class}",
            )
        if days is None or int(days) < 1:
            return "InvalidArgument", "ExpirationInDays must be at least 1 to restore this object"
        if info.restore is not None and info.restore.ongoing:
            return "RestoreAlreadyInProgress", "Object restore is already in progress"
        counted = self.restores.setdefault(info.storage_class, [0, 0])
        counted[0] += 1
        counted[1] += info.size
        return None

    def _object_lock(self, info: ObjectInfo) -> Failure | None:
        if not self._bucket_locked(info.bucket):
            return "InvalidRequest", "Bucket is missing Object Lock Configuration"
        if self.name != "S3PutObjectRetention":
            return None
        old, new = info.retention, self.retention
        if old is None or old.retain_until <= self.now:
            return None
        weaker = (
            new is None
            or new.retain_until < old.retain_until
            or (old.mode == "COMPLIANCE" and new.mode != "COMPLIANCE")
        )
        bypass = bool(self.body.get("BypassGovernanceRetention"))
        if weaker and (old.mode == "COMPLIANCE" or not bypass):
            return (
                "AccessDenied",
                f"The object is locked in {old.mode} mode until {clock.iso(old.retain_until)}",
            )
        return None

    def _bucket_locked(self, bucket: str) -> bool:
        if bucket not in self._lock_enabled:
            try:
                self._lock_enabled[bucket] = self.store.get_bucket_config(bucket).object_lock
            except S3Error:
                self._lock_enabled[bucket] = True  # cannot tell
        return self._lock_enabled[bucket]


_RULES: dict[str, Callable[[_Checker, ObjectInfo], Failure | None]] = {
    "S3PutObjectCopy": _Checker._reads,
    "LambdaInvoke": _Checker._reads,
    "S3ComputeObjectChecksum": _Checker._reads,
    "S3InitiateRestoreObject": _Checker._restore,
    "S3PutObjectRetention": _Checker._object_lock,
    "S3PutObjectLegalHold": _Checker._object_lock,
}


def _job(request: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    """The job record the manifest readers expect; a generator writes no manifest."""
    job: dict[str, Any] = {
        "JobId": "dry-run",
        "JobArn": f"arn:aws:s3:{region}:{account}:job/dry-run",
    }
    if request.get("Manifest"):
        job["Manifest"] = request["Manifest"]
    else:
        generator = copy.deepcopy(request["ManifestGenerator"])
        for spec in generator.values():
            spec["EnableManifestOutput"] = False
        job["ManifestGenerator"] = generator
    return job


def _entry_json(entry: ManifestEntry) -> dict[str, str]:
    item = {"Bucket": entry.bucket, "Key": entry.decoded_key}
    if entry.version_id:
        item["VersionId"] = entry.version_id
    return item


def _warnings(
    store: ObjectStore, request: dict[str, Any], *, failed: int, checked: int, total: int
) -> list[str]:
    warnings = []
    report = request.get("Report") or {}
    if report.get("Enabled") and report.get("Bucket"):
        bucket = bucket_from_arn(report["Bucket"])
        try:
            exists = store.bucket_exists(bucket)
        except S3Error:
            exists = True
        if not exists:
            warnings.append(
                f"The report bucket {bucket} does not exist: the job would fail "
                "writing its completion report"
            )
    threshold = FailureThreshold()
    if checked and total >= threshold.min_tasks and failed / checked > threshold.fraction:
        warnings.append(
            f"{failed} of {checked} checked objects would fail: the job would likely fail "
            f"({threshold})"
        )
    if checked < total:
        warnings.append(
            f"Only the first {checked} of {total} objects were checked "
            "(raise the check limit to check more)"
        )
    return warnings


def plan(
    app_settings: Settings,
    request: dict[str, Any],
    *,
    store: ObjectStore,
    sample: int = 10,
    check_limit: int = DEFAULT_CHECK_LIMIT,
    merge_tags: bool = False,
) -> dict[str, Any]:
    """What ``CreateJob(**request)`` would do: tasks, likely failures, estimated cost.

    Raises what create-job raises for an invalid request; manifest problems
    (which fail the job, not the request) are returned as ``ManifestErrors``.
    """
    validation.check_service_side("CreateJob", request)
    name = check_create_job(request)
    body = request["Operation"][name] or {}
    region = app_settings.region
    account = request.get("AccountId") or app_settings.account_id or LOCAL_DEFAULT_ACCOUNT
    checker = _Checker(store, name, body)
    loss = LossCounter(store, name, body, merge=merge_tags)
    samples: list[dict[str, str]] = []
    failures: list[dict[str, str]] = []
    counts: Counter[str] = Counter()
    manifest_errors: list[dict[str, str]] = []
    total = checked = 0
    try:
        for entry in manifests.job_entries(store, _job(request, account, region), {}):
            total += 1
            if len(samples) < sample:
                samples.append(_entry_json(entry))
            if checked >= check_limit:
                continue
            checked += 1
            failure = checker.check(entry)
            if failure is None and checker.info is not None and loss.applies:
                loss.count(entry, checker.info, retention=checker.retention)
            if failure is not None:
                counts[failure[0]] += 1
                if len(failures) < MAX_LISTED_FAILURES:
                    item = _entry_json(entry)
                    failures.append({**item, "Reason": failure[1], "ErrorCode": failure[0]})
    except ManifestError as exc:
        manifest_errors.append({"Code": exc.code, "Reason": exc.reason})
    scale = total / checked if checked else 0
    usage = pricing.Usage(
        operation=name,
        body=body,
        tasks=total,
        manifest_reads=1 if request.get("Manifest") else 0,
        listed=None if request.get("Manifest") else total,
        restores={
            cls: [round(n * scale), round(size * scale)]
            for cls, (n, size) in checker.restores.items()
        },
        dry_run_reads=_dry_run_reads(name, checked=checked, loss_reads=loss.reads),
    )
    failed = sum(counts.values())
    result: dict[str, Any] = {
        "Operation": name,
        "TotalTasks": total,
        "SampleKeys": samples,
        "ObjectsChecked": checked,
        "CheckLimit": check_limit,
        "LikelyFailures": failures,
        "LikelyFailureCounts": dict(counts.most_common()),
        "ManifestErrors": manifest_errors,
        "Warnings": _warnings(store, request, failed=failed, checked=checked, total=total),
        "EstimatedCost": pricing.estimate(usage, region=region),
    }
    losses = loss.result(checked=checked, total=total)
    if losses is not None:
        result["Losses"] = losses
    return result


def _dry_run_reads(name: str, *, checked: int, loss_reads: int) -> dict[str, tuple[int, str]]:
    """The requests this dry run itself made on the objects (HEAD each, plus loss reads)."""
    reads = {"HeadObject": (checked, "HEAD")}
    if name in READS and loss_reads:
        api, kind = READS[name]
        reads[api] = (loss_reads, kind)
    return reads
