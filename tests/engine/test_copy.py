"""S3PutObjectCopy and tagging jobs on both stores: the DirStore and moto's S3 over HTTP."""

from __future__ import annotations

import itertools
import json

import pytest

from s3bo_cli.stores.dirstore import DirStore
from tests.engine.conftest import job_args, put_manifest

_names = itertools.count()


@pytest.fixture(params=["dir", "s3"])
def target(request, state_dir):
    """(store, global CLI options that make jobs use it, unique bucket-name suffix)."""
    suffix = f"{next(_names):04d}"
    if request.param == "dir":
        return DirStore(state_dir / "buckets"), [], suffix
    from s3bo_cli.stores.s3store import S3Store

    endpoint = request.getfixturevalue("moto_endpoint")
    return (
        S3Store(endpoint_url=endpoint, region="us-east-1"),
        ["--s3-endpoint-url", endpoint],
        suffix,
    )


def test_copy_job_with_prefix_storage_class_and_new_tags(s3bo, target, run_worker):
    store, options, n = target
    src, dest = f"src-{n}", f"dest-{n}"
    store.create_bucket(src)
    store.create_bucket(dest)
    store.put_object(src, "a.txt", b"alpha", tags={"old": "1"})
    store.put_object(src, "dir/b c.txt", b"beta")
    manifest = put_manifest(
        store, [(src, "a.txt"), (src, "dir/b c.txt"), (src, "nope.txt")], bucket=f"man-{n}"
    )
    operation = {
        "S3PutObjectCopy": {
            "TargetResource": f"arn:aws:s3:::{dest}",
            "TargetKeyPrefix": "copied",
            "StorageClass": "STANDARD_IA",
            "NewObjectTagging": [{"Key": "copied", "Value": "yes"}],
        }
    }
    job_id = s3bo(*options, *job_args(operation, manifest)).json["JobId"]
    run_worker()
    job = s3bo(*options, "describe-job", "--job-id", job_id).json["Job"]
    assert job["Status"] == "Complete", job
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 2
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 1
    assert store.get_object(dest, "copied/a.txt").read() == b"alpha"
    assert store.get_object(dest, "copied/dir/b c.txt").read() == b"beta"
    assert store.head_object(dest, "copied/a.txt").storage_class == "STANDARD_IA"
    assert store.get_object_tagging(dest, "copied/a.txt") == {"copied": "yes"}


def test_copy_keeps_source_tags_and_metadata_by_default(s3bo, target, run_worker):
    store, options, n = target
    src, dest = f"src-{n}", f"dest-{n}"
    store.create_bucket(src)
    store.create_bucket(dest)
    from s3bo_cli.stores.base import ObjectMetadata

    store.put_object(
        src, "a", b"x", tags={"keep": "me"}, metadata=ObjectMetadata(content_type="text/plain")
    )
    manifest = put_manifest(store, [(src, "a")], bucket=f"man-{n}")
    operation = {"S3PutObjectCopy": {"TargetResource": f"arn:aws:s3:::{dest}"}}
    s3bo(*options, *job_args(operation, manifest))
    run_worker()
    assert store.get_object_tagging(dest, "a") == {"keep": "me"}
    assert store.head_object(dest, "a").metadata.content_type == "text/plain"


def test_copy_of_an_archived_object_fails_with_invalid_object_state(s3bo, state_dir, run_worker):
    store = DirStore(state_dir / "buckets")
    store.create_bucket("src")
    store.create_bucket("dest")
    store.create_bucket("reports")
    store.put_object("src", "cold", b"x", storage_class="GLACIER")
    manifest = put_manifest(store, [("src", "cold")])
    operation = {"S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::dest"}}
    report = {"Bucket": "arn:aws:s3:::reports", "Format": "Report_CSV_20180820", "Enabled": True}
    job_id = s3bo(*job_args(operation, manifest, report=report)).json["JobId"]
    run_worker()
    entry = json.loads(store.get_object("reports", f"job-{job_id}/manifest.json").read())
    row = store.get_object("reports", entry["Results"][0]["Key"]).read().decode()
    assert row.split(",")[3:6] == ["failed", "403", "InvalidObjectState"]


def test_tagging_job_on_both_stores(s3bo, target, run_worker):
    store, options, n = target
    bucket = f"tags-{n}"
    store.create_bucket(bucket)
    store.put_object(bucket, "a b+c", b"x")
    manifest = put_manifest(store, [(bucket, "a b+c")], bucket=f"man-{n}")
    operation = {"S3PutObjectTagging": {"TagSet": [{"Key": "t", "Value": "1"}]}}
    job_id = s3bo(*options, *job_args(operation, manifest)).json["JobId"]
    run_worker()
    assert s3bo(*options, "describe-job", "--job-id", job_id).json["Job"]["Status"] == "Complete"
    assert store.get_object_tagging(bucket, "a b+c") == {"t": "1"}
