"""Find a job's completion report and summarise it, streaming its result files.

The report of a job with ``Report = {Bucket, Prefix}`` is
``<prefix>/job-<id>/manifest.json`` in that bucket; it lists result CSV files
whose rows are ``Bucket,Key,VersionId,TaskStatus,HTTPStatusCode,ErrorCode,ResultMessage``
(keys URL-encoded, no header). The summary is::

    {"JobId", "JobStatus", "ReportLocation", "ReportCreationDate", "ReportScope",
     "Total", "ByStatus": {"succeeded": n, "failed": n},
     "Failures": [{"ErrorCode", "HTTPStatusCode", "Count", "SampleKeys": [...],
                   "SampleMessage"}]}

``Failures`` is sorted by count (largest first); ``SampleKeys`` are decoded.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from s3bo_cli.engine.reports import job_prefix
from s3bo_cli.errors import S3Error, ServiceError
from s3bo_cli.model.arns import bucket_from_arn
from s3bo_cli.model.lines import body_lines
from s3bo_cli.model.statuses import TERMINAL
from s3bo_cli.stores.base import ObjectStore
from s3bo_cli.tools import ToolError

#: Statuses after which the service writes the report (if any task ran).
FAILED = "failed"
SAMPLE_KEYS = 3


@dataclass(frozen=True)
class ResultRow:
    """One row of a result CSV; ``key`` is URL-encoded, as in the report."""

    bucket: str
    key: str
    version_id: str
    status: str
    http_status: str
    error_code: str
    message: str

    @property
    def failed(self) -> bool:
        return self.status == FAILED


@dataclass(frozen=True)
class ReportLocation:
    """Where a job's report manifest is (or will be)."""

    bucket: str
    key: str  # <prefix>/job-<id>/manifest.json

    @property
    def folder(self) -> str:
        return self.key.rsplit("/", 1)[0]

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def locate(job: dict[str, Any]) -> ReportLocation:
    """The report location of a DescribeJob ``Job``; ToolError when there is none (yet)."""
    job_id = job.get("JobId", "?")
    report = job.get("Report") or {}
    if not report.get("Enabled") or not report.get("Bucket"):
        raise ToolError(f"job {job_id} has no completion report (its Report is not enabled)")
    try:
        bucket = bucket_from_arn(report["Bucket"])
    except ServiceError as exc:
        raise ToolError(f"job {job_id}: {exc.message}") from None
    location = ReportLocation(bucket, f"{job_prefix(report, job_id)}/manifest.json")
    status = job.get("Status")
    if status not in TERMINAL:
        raise ToolError(
            f"job {job_id} is {status}: its report is written to {location.uri} "
            f"when the job ends (try: s3bo wait {job_id})"
        )
    return location


def read_manifest(store: ObjectStore, location: ReportLocation) -> dict[str, Any]:
    """The report's manifest.json; ToolError when it is missing or unreadable."""
    try:
        with store.get_object(location.bucket, location.key) as body:
            data = body.read()
    except S3Error as exc:
        if exc.http_status == 404:
            raise ToolError(
                f"no completion report at {location.uri}: the job ran no task, or the "
                "report could not be written (see describe-job FailureReasons)"
            ) from None
        raise ToolError(f"cannot read the report {location.uri}: {exc}") from None
    try:
        manifest = json.loads(data)
    except ValueError:
        raise ToolError(f"the report {location.uri} is not valid JSON") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("Results", []), list):
        raise ToolError(f"the report {location.uri} has no Results list")
    return manifest


def rows(store: ObjectStore, manifest: dict[str, Any]) -> Iterator[ResultRow]:
    """Every row of every result file the report manifest lists, streamed."""
    for entry in manifest.get("Results", []):
        bucket, key = entry.get("Bucket", ""), entry.get("Key", "")
        try:
            lines = body_lines(store.get_object(bucket, key))
            text = (line.decode("utf-8", errors="replace") for line in lines)
            for row in csv.reader(text):
                if row:
                    yield ResultRow(*(row + [""] * 7)[:7])
        except S3Error as exc:
            raise ToolError(f"cannot read the result file s3://{bucket}/{key}: {exc}") from None
        except csv.Error as exc:
            raise ToolError(f"the result file s3://{bucket}/{key} is not CSV: {exc}") from None


@dataclass
class _Group:
    count: int = 0
    samples: list[str] = field(default_factory=list)
    message: str = ""


@dataclass
class Summary:
    """Counts by status and failure groups, built one row at a time."""

    samples: int = SAMPLE_KEYS
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    groups: dict[tuple[str, str], _Group] = field(default_factory=dict)

    def add(self, row: ResultRow) -> None:
        self.total += 1
        self.by_status[row.status] = self.by_status.get(row.status, 0) + 1
        if not row.failed:
            return
        group = self.groups.setdefault((row.error_code, row.http_status), _Group())
        group.count += 1
        if len(group.samples) < self.samples:
            group.samples.append(unquote_plus(row.key))
        if not group.message:
            group.message = row.message

    def failures(self) -> list[dict[str, Any]]:
        ordered = sorted(self.groups.items(), key=lambda item: (-item[1].count, item[0]))
        return [
            {
                "ErrorCode": code,
                "HTTPStatusCode": int(http) if http.isdigit() else http,
                "Count": group.count,
                "SampleKeys": group.samples,
                "SampleMessage": group.message,
            }
            for (code, http), group in ordered
        ]


def summarize(
    store: ObjectStore,
    job: dict[str, Any],
    *,
    on_failed: Callable[[ResultRow], None] | None = None,
    samples: int = SAMPLE_KEYS,
) -> dict[str, Any]:
    """The summary of a job's report; ``on_failed`` sees every failed row as it streams by."""
    location = locate(job)
    manifest = read_manifest(store, location)
    summary = Summary(samples=samples)
    for row in rows(store, manifest):
        summary.add(row)
        if on_failed is not None and row.failed:
            on_failed(row)
    return {
        "JobId": job.get("JobId"),
        "JobStatus": job.get("Status"),
        "ReportLocation": location.uri,
        "ReportCreationDate": manifest.get("ReportCreationDate"),
        "ReportScope": (job.get("Report") or {}).get("ReportScope", "AllTasks"),
        "Total": summary.total,
        "ByStatus": summary.by_status,
        "Failures": summary.failures(),
    }
