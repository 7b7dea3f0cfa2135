"""Run operation jobs end to end (real CLI, burst worker) on the DirStore or moto's S3 server."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from s3bo_cli.stores.base import ObjectStore
from s3bo_cli.stores.dirstore import DirStore
from tests.conftest import Run
from tests.engine.conftest import job_args, put_manifest

_names = itertools.count()


@dataclass(frozen=True)
class Row:
    """One completion-report row."""

    bucket: str
    key: str
    version_id: str
    status: str
    http_status: str
    error_code: str
    message: str

    @property
    def outcome(self) -> tuple[str, str, str]:
        return self.status, self.http_status, self.error_code


@dataclass
class Finished:
    job: dict[str, Any]
    rows: list[Row]

    def row(self, key: str) -> Row:
        (found,) = [row for row in self.rows if row.key == key]
        return found


@dataclass
class Harness:
    """Objects in one store, jobs through the CLI, results from the report."""

    kind: str  # "dir" or "s3"
    store: ObjectStore
    s3bo: Callable[..., Run]
    worker: Callable[[], int]
    global_args: list[str]
    prefix: str

    def name(self, bucket: str) -> str:
        return f"{self.prefix}-{bucket}"

    def bucket(self, bucket: str, **options: bool) -> str:
        """Create a bucket unique to this test; returns its real name."""
        name = self.name(bucket)
        self.store.create_bucket(name, **options)
        return name

    def run(
        self,
        operation: dict[str, Any],
        rows: list[tuple[str, ...]],
        *extra: str,
    ) -> Finished:
        """Create the job for ``rows`` (bucket, key[, version]), run it, read its report."""
        manifest = put_manifest(self.store, rows, bucket=self.name("manifests"))
        reports = self.name("reports")
        if not self.store.bucket_exists(reports):
            self.store.create_bucket(reports)
        report = {
            "Bucket": f"arn:aws:s3:::{reports}",
            "Format": "Report_CSV_20180820",
            "Enabled": True,
            "Prefix": "out",
            "ReportScope": "AllTasks",
        }
        created = self.s3bo(
            *self.global_args, *job_args(operation, manifest, *extra, report=report)
        )
        assert created.exit_code == 0, created
        job_id = created.json["JobId"]
        self.worker()
        job = self.s3bo(*self.global_args, "describe-job", "--job-id", job_id).json["Job"]
        return Finished(job, self._report(reports, job_id))

    def _report(self, bucket: str, job_id: str) -> list[Row]:
        try:
            body = self.store.get_object(bucket, f"out/job-{job_id}/manifest.json")
        except Exception:
            return []
        with body:
            manifest = json.loads(body.read())
        rows = []
        for entry in manifest["Results"]:
            with self.store.get_object(entry["Bucket"], entry["Key"]) as part:
                text = part.read().decode()
            rows += [Row(*fields) for fields in csv.reader(io.StringIO(text))]
        return rows


def _harness(kind: str, request: pytest.FixtureRequest, state_dir: Path, s3bo, run_worker):
    prefix = f"o{next(_names):04d}"
    if kind == "dir":
        return Harness(kind, DirStore(state_dir / "buckets"), s3bo, run_worker, [], prefix)
    from s3bo_cli.stores.s3store import S3Store

    url = request.getfixturevalue("moto_endpoint")
    store = S3Store(endpoint_url=url, region="us-east-1")
    return Harness(kind, store, s3bo, run_worker, ["--s3-endpoint-url", url], prefix)


@pytest.fixture
def dirstore(request, state_dir, s3bo, run_worker) -> Harness:
    """The DirStore only (behaviour moto does not have)."""
    return _harness("dir", request, state_dir, s3bo, run_worker)


@pytest.fixture(params=["dir", "s3"])
def both(request, state_dir, s3bo, run_worker) -> Harness:
    """The same job on the DirStore and on moto's S3 server."""
    return _harness(request.param, request, state_dir, s3bo, run_worker)
