"""Many jobs in one state directory: list-jobs, describe-job, and a long queue.

1. ``--jobs`` jobs (default 20,000) in one namespace: the wall time of
   `s3bo list-jobs --max-results 10` and `s3bo describe-job` (a whole CLI
   process each; median of 5), next to `s3bo --version` as the floor of any
   command, and the in-process ListJobs call. Targets: under 150 ms each.
2. ``--queue`` New jobs (default 10,000) whose manifest is missing, so each fails
   at Preparing: the jobs per second a burst worker gets them through.
   Target: at least 200 jobs/s.

The jobs are written as the engine writes them: the first through CreateJob,
the rest as copies of its record with their own ids and times (creating 20,000
jobs one CLI call at a time would take most of the run).

    python bench/queue.py [--jobs 20000] [--queue 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._jobs import ACCOUNT

MANIFEST = {
    "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
    "Location": {"ObjectArn": "arn:aws:s3:::manifests/missing.csv", "ETag": "0" * 32},
}


def make_jobs(state_dir: Path, count: int, status: str) -> str:
    """``count`` jobs in ``status``; returns the id of one of them."""
    from s3bo_cli.backends.local import LocalBackend
    from s3bo_cli.config import Settings
    from s3bo_cli.engine.jobstore import JobStore

    settings = Settings(state_dir=state_dir, region="us-east-1")
    backend = LocalBackend(settings, autostart=False)
    first = backend.invoke(
        "CreateJob",
        {
            "AccountId": ACCOUNT,
            "ConfirmationRequired": False,
            "ClientRequestToken": str(uuid.uuid4()),
            "Priority": 5,
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/bench",
            "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
            "Manifest": MANIFEST,
            "Report": {"Enabled": False},
        },
    )["JobId"]
    jobs = JobStore(backend.namespace(ACCOUNT))
    template = jobs.load(first)
    template["engine"].pop("indexed", None)
    base = time.time() - count
    for n in range(count - 1):
        job_id = str(uuid.uuid4())
        record: dict[str, Any] = json.loads(json.dumps(template))
        job = record["job"]
        job.update(
            JobId=job_id,
            JobArn=job["JobArn"].rsplit("/", 1)[0] + "/" + job_id,
            Status=status,
            CreationTime=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + n)) + ".000Z",
        )
        if status == "Complete":
            job["TerminationDate"] = job["CreationTime"]
        path = jobs.ns.job_file(job_id)
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(record))  # as write_json would, without an fsync each
    # The copies were written behind the index's back: let the engine rebuild it.
    index = jobs.ns.root / "index" / "complete"
    index.unlink(missing_ok=True)
    return first


def cli_ms(env: dict[str, str], *args: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "s3bo_cli", *args], env=env, check=True, capture_output=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def listing(state_dir: Path, jobs: int) -> None:
    env = {**os.environ, "S3BO_STATE_DIR": str(state_dir), "S3BO_NO_AUTOSTART": "1"}
    start = time.perf_counter()
    job_id = make_jobs(state_dir, jobs, "Complete")
    print(f"jobs written                      {jobs:>8,}  ({time.perf_counter() - start:.1f} s)")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "s3bo_cli", "list-jobs", "--max-results", "1"],
        env=env,
        check=True,
        capture_output=True,
    )
    first = (time.perf_counter() - start) * 1000
    floor = cli_ms(env, "--version")
    listed = cli_ms(env, "list-jobs", "--max-results", "10", "--output", "json")
    described = cli_ms(env, "describe-job", "--job-id", job_id, "--output", "json")
    from s3bo_cli.backends.local import LocalBackend
    from s3bo_cli.config import Settings

    backend = LocalBackend(Settings(state_dir=state_dir, region="us-east-1"), autostart=False)
    start = time.perf_counter()
    for _ in range(5):
        page = backend.invoke("ListJobs", {"AccountId": ACCOUNT, "MaxResults": 10})
    in_process = (time.perf_counter() - start) / 5 * 1000
    assert len(page["Jobs"]) == 10 and "NextToken" in page
    print(f"first list-jobs (builds the index) {first:>7.0f} ms")
    print(f"s3bo --version (process floor)     {floor:>7.0f} ms")
    print(f"list-jobs --max-results 10         {listed:>7.0f} ms  (target < 150)")
    print(f"describe-job                       {described:>7.0f} ms  (target < 150)")
    print(f"ListJobs in process                {in_process:>7.1f} ms")


def queue(state_dir: Path, count: int) -> None:
    from s3bo_cli.engine.worker import Worker

    make_jobs(state_dir, count, "New")
    env = {**os.environ, "S3BO_STATE_DIR": str(state_dir), "S3BO_NO_AUTOSTART": "1"}
    subprocess.run(
        [sys.executable, "-m", "s3bo_cli", "list-jobs", "--max-results", "1"],
        env=env,
        check=True,
        capture_output=True,
    )  # the index, as any command builds it
    start, cpu = time.perf_counter(), time.process_time()
    Worker(state_dir).run(burst=True)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    failed = sum(
        1
        for path in (state_dir / "accounts" / ACCOUNT / "us-east-1" / "jobs").glob("*/job.json")
        if json.loads(path.read_text())["job"]["Status"] == "Failed"
    )
    assert failed == count, f"{failed} of {count} jobs failed at Preparing"
    print(f"queue through Preparing            {count / elapsed:>7.0f} jobs/s  (target >= 200)")
    print(f"  CPU per job (user + system)      {cpu / count * 1000:>7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--queue", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="s3bo-queue-") as tmp:
        listing(Path(tmp) / "list", args.jobs)
        queue(Path(tmp) / "queue", args.queue)


if __name__ == "__main__":
    main()
