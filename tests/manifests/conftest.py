"""Helpers for manifest tests: inventory reports, generator jobs, which objects a job touched."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import itertools
import json
from collections.abc import Callable
from urllib.parse import quote

import pytest

from s3bo_cli.stores.base import ObjectStore
from s3bo_cli.stores.dirstore import DirStore
from tests.conftest import ROLE

INVENTORY_FORMAT = "S3InventoryReport_CSV_20161130"
TAG = {"Key": "batch", "Value": "done"}
TAG_OP = {"S3PutObjectTagging": {"TagSet": [TAG]}}
_names = itertools.count()


def unique(name: str) -> str:
    """A bucket name unique in the session (moto's buckets outlive a test)."""
    return f"{name}-{next(_names):04d}"


def gz_csv(rows: list[tuple[str, ...]]) -> bytes:
    """An inventory data file: every field double-quoted, gzip-compressed."""
    text = io.StringIO()
    csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return gzip.compress(text.getvalue().encode())


def put_inventory(
    store: ObjectStore,
    files: list[list[tuple[str, ...]]],
    *,
    schema: str = "Bucket, Key, Size",
    file_format: str = "CSV",
    bucket: str = "inventory",
    checksums: list[str] | None = None,
    raw_files: list[bytes] | None = None,
) -> dict:
    """Write data files and manifest.json as S3 Inventory does; return the JobManifest.

    Rows give keys unencoded; they are URL-encoded here, as inventory writes them.
    """
    if not store.bucket_exists(bucket):
        store.create_bucket(bucket)
    prefix = "inv/source/config"
    bodies = raw_files or [
        gz_csv([(row[0], quote(row[1], safe="/"), *row[2:]) for row in rows]) for rows in files
    ]
    entries = []
    for number, body in enumerate(bodies):
        key = f"{prefix}/data/file-{number}.csv.gz"
        store.put_object(bucket, key, body)
        md5 = checksums[number] if checksums else hashlib.md5(body).hexdigest()
        entries.append({"key": key, "size": len(body), "MD5checksum": md5})
    manifest = {
        "sourceBucket": "source",
        "destinationBucket": f"arn:aws:s3:::{bucket}",
        "version": "2016-11-30",
        "creationTimestamp": "1514944800000",
        "fileFormat": file_format,
        "fileSchema": schema,
        "files": entries,
    }
    body = json.dumps(manifest).encode()
    key = f"{prefix}/2026-11-24T00-00Z/manifest.json"
    store.put_object(bucket, key, body)
    return {
        "Spec": {"Format": INVENTORY_FORMAT},
        "Location": {
            "ObjectArn": f"arn:aws:s3:::{bucket}/{key}",
            "ETag": hashlib.md5(body).hexdigest(),
        },
    }


def create_args(*, manifest: dict | None = None, generator: dict | None = None) -> list[str]:
    """create-job arguments for a tagging job from a manifest or a generator spec."""
    source = (
        ["--manifest", json.dumps(manifest)]
        if manifest is not None
        else ["--manifest-generator", json.dumps({"S3JobManifestGenerator": generator})]
    )
    return [
        "create-job",
        "--no-confirmation-required",
        "--operation",
        json.dumps(TAG_OP),
        *source,
        "--report",
        "Enabled=false",
        "--priority",
        "10",
        "--role-arn",
        ROLE,
    ]


def tagged(store: ObjectStore, bucket: str, keys: list[str]) -> set[str]:
    """The keys the tagging job reached."""
    return {k for k in keys if store.get_object_tagging(bucket, k).get(TAG["Key"]) == "done"}


@pytest.fixture
def run_job(s3bo, run_worker) -> Callable[..., dict]:
    """Create a job with the CLI, run the worker, return DescribeJob's Job."""

    def run(*options: str, manifest: dict | None = None, generator: dict | None = None) -> dict:
        created = s3bo(*options, *create_args(manifest=manifest, generator=generator))
        assert created.exit_code == 0, created
        run_worker()
        return s3bo(*options, "describe-job", "--job-id", created.json["JobId"]).json["Job"]

    return run


@pytest.fixture
def s3(moto_endpoint: str) -> tuple[ObjectStore, list[str]]:
    """An S3Store on moto and the global options that make jobs use it."""
    from s3bo_cli.stores.s3store import S3Store

    return S3Store(endpoint_url=moto_endpoint, region="us-east-1"), [
        "--s3-endpoint-url",
        moto_endpoint,
    ]


def dirstore_at(store: DirStore, clock: Callable) -> DirStore:
    """The same DirStore, writing objects with LastModified from ``clock``."""
    return DirStore(store.root, clock=clock)
