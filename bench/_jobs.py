"""What the engine benchmarks share: one tagging job over a manifest, run to the end."""

from __future__ import annotations

import hashlib
import sys
from typing import Any

ACCOUNT = "123456789012"


def run_tagging_job(settings: Any, manifest: bytes, *, concurrency: int, report: bool) -> float:
    """Store ``manifest``, create a tagging job over it, run the engine; seconds it took."""
    import time

    from s3bo_cli.backends.local import LocalBackend
    from s3bo_cli.engine.runner import RunLimits
    from s3bo_cli.engine.worker import Worker
    from s3bo_cli.stores import open_store

    store = open_store(settings)
    for bucket in ("manifests", "reports"):
        if not store.bucket_exists(bucket):
            store.create_bucket(bucket)
    store.put_object("manifests", "m.csv", manifest)
    backend = LocalBackend(settings, autostart=False)
    count = manifest.count(b"\n")
    backend.invoke(
        "CreateJob",
        {
            "AccountId": ACCOUNT,
            "ConfirmationRequired": False,
            "ClientRequestToken": "bench",
            "Priority": 1,
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/bench",
            "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "project", "Value": "blue"}]}},
            "Manifest": {
                "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                "Location": {
                    "ObjectArn": "arn:aws:s3:::manifests/m.csv",
                    "ETag": hashlib.md5(manifest).hexdigest(),
                },
            },
            "Report": {
                "Bucket": "arn:aws:s3:::reports",
                "Format": "Report_CSV_20180820",
                "Enabled": True,
                "ReportScope": "AllTasks",
            }
            if report
            else {"Enabled": False},
        },
    )
    start = time.perf_counter()
    Worker(settings.state_dir, limits=RunLimits(concurrency=concurrency)).run(burst=True)
    elapsed = time.perf_counter() - start
    job = backend.invoke("ListJobs", {"AccountId": ACCOUNT})["Jobs"][0]
    if job["Status"] != "Complete" or job["ProgressSummary"]["NumberOfTasksSucceeded"] != count:
        sys.exit(f"the job did not complete: {job}")
    return elapsed
