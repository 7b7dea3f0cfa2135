"""Jobs with mixed outcomes and completion reports, on the DirStore or moto's S3."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from s3bo_cli.stores.base import ObjectStore
from tests.conftest import Run
from tests.engine.conftest import job_args, put_manifest

TAGGING = {"S3PutObjectTagging": {"TagSet": [{"Key": "reviewed", "Value": "yes"}]}}
PRESENT = ["a b.jpg", "x+y.jpg", "plain.jpg"]
MISSING = ["gone 1.jpg", "gone+2.jpg", "nü/ß.jpg"]


def report_spec(bucket: str = "reports", prefix: str | None = "runs", **extra: str) -> dict:
    report = {"Enabled": True, "Bucket": f"arn:aws:s3:::{bucket}", "Format": "Report_CSV_20180820"}
    if prefix:
        report["Prefix"] = prefix
    return {**report, **extra}


@pytest.fixture
def mixed_job(s3bo: Callable[..., Run], run_worker: Callable[[], int]) -> Callable[..., str]:
    """A finished tagging job: three objects exist, three do not; report under ``runs/``."""

    def make(
        store: ObjectStore, *options: str, suffix: str = "", extra: tuple[str, ...] = ()
    ) -> str:
        photos, reports = f"photos{suffix}", f"reports{suffix}"
        for bucket in (photos, reports):
            if not store.bucket_exists(bucket):
                store.create_bucket(bucket)
        for key in PRESENT:
            store.put_object(photos, key, b"x")
        rows = [(photos, key) for key in PRESENT + MISSING]
        manifest = put_manifest(store, rows, bucket=f"manifests{suffix}")
        args = job_args(TAGGING, manifest, *extra, report=report_spec(reports))
        run = s3bo(*options, *args)
        assert run.exit_code == 0, run
        run_worker()
        return run.json["JobId"]

    return make


def describe(s3bo: Callable[..., Run], job_id: str, *options: str) -> dict:
    run = s3bo(*options, "--output", "json", "describe-job", "--job-id", job_id)
    assert run.exit_code == 0, run
    return run.json["Job"]


def report_rows(store: ObjectStore, bucket: str, job_id: str, prefix: str = "runs") -> list[str]:
    manifest = json.loads(store.get_object(bucket, f"{prefix}/job-{job_id}/manifest.json").read())
    lines: list[str] = []
    for entry in manifest["Results"]:
        lines += store.get_object(entry["Bucket"], entry["Key"]).read().decode().splitlines()
    return lines
