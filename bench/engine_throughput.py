"""Engine throughput: an S3PutObjectTagging job over N objects on the DirStore,
against a plain Python loop doing the same metadata writes on the same disk.

The loop is the floor any engine pays: for each object, write its tag set as a
JSON sidecar the safe way (temp file, fsync, rename). The job does the same
work through the whole engine: manifest read and ETag check, task list, thread
pool, DirStore writes, one result line per task, progress checkpoints and the
completion report. Target: the job at least 0.5 of the loop's rate.

    python bench/engine_throughput.py [--objects 20000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ACCOUNT = "123456789012"
TARGET = 0.5


def plain_loop(root: Path, count: int) -> float:
    folder = root / "loop"
    folder.mkdir()
    for i in range(count):
        (folder / f"obj-{i:06d}").write_bytes(b"x")
    start = time.perf_counter()
    for i in range(count):
        path = folder / f".obj-{i:06d}.json"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w") as fh:
            json.dump({"tags": {"project": "blue"}, "size": 1}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    return time.perf_counter() - start


def engine_job(root: Path, count: int, concurrency: int) -> float:
    os.environ["S3BO_STATE_DIR"] = str(root / "state")
    os.environ["S3BO_NO_AUTOSTART"] = "1"
    from s3bo_cli.backends.local import LocalBackend
    from s3bo_cli.config import resolve
    from s3bo_cli.engine.runner import RunLimits
    from s3bo_cli.engine.worker import Worker
    from s3bo_cli.stores import open_store

    settings = resolve()
    store = open_store(settings)
    store.create_bucket("data")
    store.create_bucket("manifests")
    store.create_bucket("reports")
    data = settings.buckets_dir / "data"
    for i in range(count):  # dropped in as plain files, as a user would
        (data / f"obj-{i:06d}").write_bytes(b"x")
    body = "".join(f"data,obj-{i:06d}\n" for i in range(count)).encode()
    store.put_object("manifests", "m.csv", body)
    backend = LocalBackend(settings, autostart=False)
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
                    "ETag": hashlib.md5(body).hexdigest(),
                },
            },
            "Report": {
                "Bucket": "arn:aws:s3:::reports",
                "Format": "Report_CSV_20180820",
                "Enabled": True,
                "ReportScope": "AllTasks",
            },
        },
    )
    start = time.perf_counter()
    Worker(settings.state_dir, limits=RunLimits(concurrency=concurrency)).run(burst=True)
    elapsed = time.perf_counter() - start
    jobs = backend.invoke("ListJobs", {"AccountId": ACCOUNT})["Jobs"]
    summary = jobs[0]["ProgressSummary"]
    if jobs[0]["Status"] != "Complete" or summary["NumberOfTasksSucceeded"] != count:
        sys.exit(f"the job did not complete: {jobs[0]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="s3bo-bench-", dir=os.environ.get("TMPDIR")) as tmp:
        loop = plain_loop(Path(tmp), args.objects)
        job = engine_job(Path(tmp), args.objects, args.concurrency)
    ratio = loop / job
    print(f"objects:                   {args.objects}")
    print(f"plain loop (fsync'd JSON): {loop:7.2f} s  {args.objects / loop:8.0f} writes/s")
    print(
        f"s3bo tagging job:          {job:7.2f} s  {args.objects / job:8.0f} tasks/s "
        f"(concurrency {args.concurrency})"
    )
    verdict = "meets" if ratio >= TARGET else "misses"
    print(f"ratio job/loop:            {ratio:.2f} ({verdict} the target of >= {TARGET})")


if __name__ == "__main__":
    main()
