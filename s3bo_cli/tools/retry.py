"""Failed tasks as a manifest, and the CreateJob request that retries them.

A retry job repeats the original's operation, report, role and priority over
only the tasks that failed. Its manifest keeps each key URL-encoded exactly
as the report wrote it, with a VersionId column when any failed task had one.
"""

from __future__ import annotations

from typing import IO, Any

from s3bo_cli.stores.base import ObjectStore
from s3bo_cli.tools import ManifestWriter, job_manifest, store_errors
from s3bo_cli.tools.reportsummary import ReportLocation, ResultRow, locate, summarize

RETRY_TAG = "s3bo:retry-of"
MAX_JOB_TAGS = 50
MANIFEST_NAME = "retry-manifest.csv"


class FailedTasks:
    """Collects failed report rows (``on_failed``) and turns them into a CSV manifest."""

    def __init__(self) -> None:
        self._spool = ManifestWriter()
        self.with_versions = False

    def __call__(self, row: ResultRow) -> None:
        self._spool.write((row.bucket, row.key, row.version_id))
        if row.version_id:
            self.with_versions = True

    @property
    def count(self) -> int:
        return self._spool.count

    @property
    def fields(self) -> list[str]:
        return ["Bucket", "Key", "VersionId"] if self.with_versions else ["Bucket", "Key"]

    def manifest(self) -> ManifestWriter:
        """The manifest rows: ``Bucket,Key[,VersionId]``."""
        if self.with_versions:
            return self._spool
        trimmed = ManifestWriter()
        for row in self._spool.rows():
            trimmed.write(row[:2])
        self._spool.close()
        self._spool = trimmed
        return trimmed

    def write_to(self, out: IO[bytes]) -> None:
        self.manifest().copy_to(out)

    def close(self) -> None:
        self._spool.close()

    def __enter__(self) -> FailedTasks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_manifest_location(report: ReportLocation) -> tuple[str, str]:
    """``<prefix>/job-<id>/retry-manifest.csv`` in the report bucket."""
    return report.bucket, f"{report.folder}/{MANIFEST_NAME}"


def retry_tags(job_id: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
    """``s3bo:retry-of=<id>`` first, then the original's tags that fit within 50."""
    kept = [tag for tag in tags if tag.get("Key") != RETRY_TAG]
    return [{"Key": RETRY_TAG, "Value": job_id}, *kept[: MAX_JOB_TAGS - 1]]


def create_request(
    job: dict[str, Any],
    *,
    account_id: str,
    manifest: dict[str, Any],
    tags: list[dict[str, str]],
    confirmation_required: bool | None = None,
) -> dict[str, Any]:
    """The CreateJob request retrying ``job`` (a DescribeJob ``Job``) over ``manifest``."""
    job_id = job["JobId"]
    description = f"Retry of {job_id}"
    if job.get("Description"):
        description = f"{description}: {job['Description']}"
    if confirmation_required is None:
        confirmation_required = bool(job.get("ConfirmationRequired", True))
    return {
        "AccountId": account_id,
        "ConfirmationRequired": confirmation_required,
        "Operation": job["Operation"],
        "Report": job["Report"],
        "Manifest": manifest,
        "Description": description[:256],
        "Priority": job["Priority"],
        "RoleArn": job["RoleArn"],
        "Tags": retry_tags(job_id, tags),
    }


def write_manifest(
    store: ObjectStore, failed: FailedTasks, *, bucket: str, key: str, upload: bool = True
) -> dict[str, Any]:
    """Upload the failed tasks' manifest (unless ``upload`` is false); the job Manifest."""
    writer = failed.manifest()
    if not upload:
        return job_manifest(bucket, key, writer.etag, failed.fields)
    with store_errors(f"cannot write the retry manifest s3://{bucket}/{key}"):
        etag = writer.upload(store, bucket, key)
    return job_manifest(bucket, key, etag, failed.fields)


def prepare(
    store: ObjectStore,
    job: dict[str, Any],
    *,
    account_id: str,
    tags: list[dict[str, str]],
    location: tuple[str, str] | None = None,
    confirmation_required: bool | None = None,
    upload: bool = True,
) -> tuple[dict[str, Any] | None, int]:
    """The CreateJob request retrying ``job``'s failed tasks, and how many there are.

    Writes their manifest to ``location`` (default: next to the report) unless
    ``upload`` is false. The request is None when no task failed.
    """
    report = locate(job)
    with FailedTasks() as failed:
        summarize(store, job, on_failed=failed)
        if not failed.count:
            return None, 0
        bucket, key = location or default_manifest_location(report)
        manifest = write_manifest(store, failed, bucket=bucket, key=key, upload=upload)
        request = create_request(
            job,
            account_id=account_id,
            manifest=manifest,
            tags=tags,
            confirmation_required=confirmation_required,
        )
        return request, failed.count
