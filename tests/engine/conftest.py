"""Helpers for engine tests: a DirStore in the state directory, manifests, a burst worker."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import quote

from s3bo_cli.stores.dirstore import DirStore
from tests.conftest import ROLE


def drop_objects(store: DirStore, bucket: str, count: int) -> list[tuple[str, str]]:
    """Objects ``k0``..``k{count-1}`` dropped into a DirStore bucket as plain files, as a
    user would copy them in (the engine reads them as it reads put ones; no fsync each);
    returns their manifest rows."""
    if not store.bucket_exists(bucket):
        store.create_bucket(bucket)
    folder = Path(store.root) / bucket
    for i in range(count):
        (folder / f"k{i}").write_bytes(b"x")
    return [(bucket, f"k{i}") for i in range(count)]


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


def statuses(state_dir, job_id):
    path = state_dir / "accounts" / "123456789012" / "us-east-1" / "events.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines()]
    return [
        e["serviceEventDetails"]["status"]
        for e in events
        if e["serviceEventDetails"]["jobId"] == job_id
    ]


def whole_lines(path: Path) -> list[str]:
    """The lines of a file a worker may be appending to meanwhile: a reader can see
    part of a line still being written, so a last line without its newline is left out."""
    if not path.exists():
        return []
    text = path.read_text()
    return text[: text.rfind("\n") + 1].splitlines()
