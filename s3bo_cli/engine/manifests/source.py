"""The manifest object every reader starts from: its ETag check and its read failures."""

from __future__ import annotations

from typing import Any

from s3bo_cli.errors import S3Error
from s3bo_cli.model.arns import split_object_arn
from s3bo_cli.stores.base import ObjectStore


class ManifestError(Exception):
    """The manifest cannot be used; the job fails with this code and reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason[:256]


def check_etag(store: ObjectStore, location: dict[str, Any]) -> tuple[str, str]:
    """The manifest object's (bucket, key), once its ETag matches the job's."""
    bucket, key = split_object_arn(location["ObjectArn"])
    try:
        info = store.head_object(bucket, key, location.get("ObjectVersionId"))
    except S3Error as exc:
        raise read_failure(exc) from None
    expected = location.get("ETag", "").strip('"')
    if expected != info.etag.strip('"'):
        raise ManifestError(
            "ManifestETagMismatch",
            f"The manifest's ETag {expected} does not match the object's ETag {info.etag}",
        )
    return bucket, key


def read_failure(exc: S3Error) -> ManifestError:
    """The job failure an S3 error reading a manifest object becomes."""
    if exc.http_status == 403:
        return ManifestError(
            "ManifestAccessDenied", f"Reading the manifest is forbidden: {exc.code}"
        )
    if exc.http_status == 404:
        return ManifestError(
            "ManifestNotFound", f"Reading the manifest failed: {exc.code}: {exc.message}"
        )
    return ManifestError("ManifestReadError", f"Reading the manifest failed: {exc.code}")
