"""Helpers for engine tests: a DirStore in the state directory, manifests, a burst worker."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest

from s3bo_cli import ops
from s3bo_cli.engine import runner, worker
from s3bo_cli.engine.worker import Worker
from s3bo_cli.stores.dirstore import DirStore
from tests.conftest import ROLE


@pytest.fixture
def store(state_dir: Path) -> DirStore:
    """The DirStore the local backend uses by default (<state-dir>/buckets)."""
    return DirStore(state_dir / "buckets")


def put_manifest(
    store: DirStore,
    rows: list[tuple[str, ...]],
    *,
    bucket: str = "manifests",
    key: str = "manifest.csv",
) -> dict:
    """Write a CSV manifest (keys URL-encoded) and return the JobManifest for it."""
    if not store.bucket_exists(bucket):
        store.create_bucket(bucket)
    lines = [",".join((row[0], quote(row[1]), *row[2:])) for row in rows]
    body = ("\n".join(lines) + "\n").encode()
    store.put_object(bucket, key, body)
    fields = ["Bucket", "Key"] + (["VersionId"] if rows and len(rows[0]) > 2 else [])
    return {
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": fields},
        "Location": {
            "ObjectArn": f"arn:aws:s3:::{bucket}/{key}",
            "ETag": hashlib.md5(body).hexdigest(),
        },
    }


def job_args(
    operation: dict, manifest: dict, *extra: str, report: dict | None = None, priority: int = 10
) -> list[str]:
    return [
        "create-job",
        "--no-confirmation-required",
        "--operation",
        json.dumps(operation),
        "--manifest",
        json.dumps(manifest),
        "--report",
        json.dumps(report or {"Enabled": False}),
        "--priority",
        str(priority),
        "--role-arn",
        ROLE,
        *extra,
    ]


@pytest.fixture
def run_worker(state_dir: Path) -> Callable[[], int]:
    """Run the engine in this process until nothing is runnable (burst mode)."""

    def run(concurrency: int = 4) -> int:
        from s3bo_cli.engine.runner import RunLimits

        return Worker(state_dir, limits=RunLimits(concurrency=concurrency)).run(burst=True)

    return run


@pytest.fixture
def act_at_task(monkeypatch):
    """Run ``action`` once, from inside the task that is the ``n``th to start."""

    def install(n, action):
        real = ops.get("S3PutObjectTagging")
        calls = {"count": 0}

        def tagging(ctx, entry):
            calls["count"] += 1
            if calls["count"] == n:
                action()
            return real(ctx, entry)

        monkeypatch.setattr(ops, "get", lambda name: tagging)
        monkeypatch.setattr(runner, "CHECKPOINT_SECONDS", 0.0)
        monkeypatch.setattr(worker, "SCAN_INTERVAL", 0.0)

    return install


def statuses(state_dir, job_id):
    path = state_dir / "accounts" / "123456789012" / "us-east-1" / "events.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines()]
    return [
        e["serviceEventDetails"]["status"]
        for e in events
        if e["serviceEventDetails"]["jobId"] == job_id
    ]
