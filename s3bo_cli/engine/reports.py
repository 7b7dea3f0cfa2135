"""Completion reports in the AWS layout, written through the job's object store.

    <prefix>/job-<id>/manifest.json
    <prefix>/job-<id>/results/<40 hex>.csv     one file per outcome

Rows are ``Bucket,Key,VersionId,TaskStatus,HTTPStatusCode,ErrorCode,ResultMessage``
with no header (the order real reports use, which differs from ReportSchema).
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from s3bo_cli import clock
from s3bo_cli.engine.tasklog import FAILED, SUCCEEDED, TaskResult
from s3bo_cli.model.arns import bucket_from_arn
from s3bo_cli.stores.base import ObjectStore, Sse

REPORT_FORMAT = "Report_CSV_20180820"
REPORT_SCHEMA = "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"
WRITE_FAILED_CODE = "ReportWriteFailed"
WRITE_FAILED_REASON = (
    "The job report could not be written to your report bucket. Please check your permissions."
)


def job_prefix(report: dict[str, Any], job_id: str) -> str:
    prefix = (report.get("Prefix") or "").rstrip("/")
    return f"{prefix}/job-{job_id}" if prefix else f"job-{job_id}"


def _write_rows(paths: dict[str, Path], results: Iterable[TaskResult]) -> dict[str, int]:
    counts = dict.fromkeys(paths, 0)
    with ExitStack() as stack:
        writers = {
            status: csv.writer(
                stack.enter_context(path.open("w", encoding="utf-8", newline="")),
                lineterminator="\n",
            )
            for status, path in paths.items()
        }
        for result in results:
            writer = writers.get(result.status)
            if writer is None:
                continue
            writer.writerow(
                (
                    result.bucket,
                    result.key,
                    result.version_id or "",
                    result.status,
                    result.http_status,
                    result.error_code,
                    result.message,
                )
            )
            counts[result.status] += 1
    return counts


def write_report(
    store: ObjectStore,
    *,
    report: dict[str, Any],
    job_id: str,
    results: Iterable[TaskResult],
    scratch: Path,
) -> str:
    """Write the report; returns the key of its manifest.json. Raises S3Error on failure.

    The result files are built in a ``.report-*`` folder under ``scratch`` (the
    job's folder), never the system temp directory: a kill leaves nothing
    elsewhere, and the worker's start-up sweep removes what it leaves there.
    """
    bucket = bucket_from_arn(report["Bucket"])
    base = job_prefix(report, job_id)
    scopes = (FAILED,) if report.get("ReportScope") == "FailedTasksOnly" else (SUCCEEDED, FAILED)
    with tempfile.TemporaryDirectory(prefix=".report-", dir=scratch) as tmp:
        paths = {status: Path(tmp, f"{status}.csv") for status in scopes}
        counts = _write_rows(paths, results)
        entries = []
        for status, path in paths.items():
            if not counts[status]:
                continue
            name = hashlib.sha1(f"{job_id}/{status}".encode()).hexdigest()
            key = f"{base}/results/{name}.csv"
            md5 = hashlib.md5()
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    md5.update(chunk)
                fh.seek(0)
                store.put_object(bucket, key, fh, sse=Sse("AES256"))
            entries.append(
                {
                    "TaskExecutionStatus": status,
                    "Bucket": bucket,
                    "MD5Checksum": md5.hexdigest(),
                    "Key": key,
                }
            )
    manifest = {
        "Format": REPORT_FORMAT,
        "ReportCreationDate": clock.now_iso(),
        "Results": entries,
        "ReportSchema": REPORT_SCHEMA,
    }
    key = f"{base}/manifest.json"
    store.put_object(bucket, key, json.dumps(manifest, indent=2).encode(), sse=Sse("AES256"))
    return key
