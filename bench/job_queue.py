"""Many jobs in one state directory: list-jobs, describe-job, and a long queue.

1. ``--jobs`` jobs (default 20,000) in one namespace: the wall time of
   `s3bo list-jobs --max-results 10` and `s3bo describe-job` (a whole CLI
   process each; median of 5), next to `s3bo --version` as the floor of any
   command, and the in-process ListJobs call. Targets: under 150 ms each.
2. ``--queue`` New jobs (default 10,000) whose manifest is missing, so each fails
   at Preparing: the jobs per second a burst worker gets them through.
   Target: at least 200 jobs/s.
3. A tagging job of ``--objects`` DirStore objects (default 5,000) run by
   `s3bo worker --burst` with its defaults, alone and then with as many jobs as
   ``--queue`` queued beside it (same priority): its tasks per second each time
   (from its first recorded task to its last), their ratio (target: about 1, the
   queue does not slow it) and how many queued jobs were prepared meanwhile.

The jobs are written as the engine writes them: the first through CreateJob,
the rest as copies of its record with their own ids and times (creating 20,000
jobs one CLI call at a time would take most of the run).

    python bench/job_queue.py [--jobs 20000] [--queue 10000] [--objects 5000]
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

from bench._jobs import ACCOUNT, create_tagging_job, isolate, seed_dir_objects

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
            [sys.executable, "-m", "s3bo_cli", *args],
            env=env,
            check=True,
            capture_output=True,
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


def active_rate(root: Path, objects: int, queued: int) -> tuple[float, int]:
    """Tasks per second of a tagging job with ``queued`` jobs queued beside it, and how
    many of those the worker prepared while the job ran."""
    isolate(root)
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"  # where make_jobs puts the queue
    from s3bo_cli.config import resolve
    from s3bo_cli.engine.jobstore import JobStore
    from s3bo_cli.engine.worker import Worker
    from s3bo_cli.state.layout import Namespace

    settings = resolve()
    manifest = seed_dir_objects(settings, objects)
    backend = create_tagging_job(settings, manifest, report=False, priority=5)
    job_id = backend.invoke("ListJobs", {"AccountId": ACCOUNT})["Jobs"][0]["JobId"]
    ns = Namespace(settings.state_dir, ACCOUNT, settings.region)
    Worker(settings.state_dir).run_once()  # prepared: Ready, before the queue comes
    if queued:
        make_jobs(settings.state_dir, queued, "New")  # each fails at Preparing
        backend.invoke("ListJobs", {"AccountId": ACCOUNT, "MaxResults": 1})  # the index
    command = [sys.executable, "-m", "s3bo_cli", "worker", "--burst"]
    start = time.perf_counter()
    worker = subprocess.Popen(command, env={**os.environ})
    first = last = None
    try:
        while worker.poll() is None:
            job = JobStore(ns).load(job_id)["job"]
            summary = job["ProgressSummary"]
            done = summary["NumberOfTasksSucceeded"] + summary["NumberOfTasksFailed"]
            if first is None and done:
                first = (time.perf_counter(), done)
            if job["Status"] in ("Completing", "Complete"):
                last = (time.perf_counter(), done)
                break
            time.sleep(0.02)
    finally:
        worker.terminate()  # the rest of the queue is not this figure's business
        worker.wait(timeout=60)
    job = JobStore(ns).load(job_id)["job"]
    if last is None and job["Status"] in ("Completing", "Complete"):  # ended between looks
        summary = job["ProgressSummary"]
        last = (time.perf_counter(), summary["NumberOfTasksSucceeded"])
    if last is None:
        sys.exit(f"the tagging job did not run to its end: {JobStore(ns).load(job_id)['job']}")
    if first is None or last[1] <= first[1]:  # too short to be seen running: from the start
        first = (start, 0)
    failed = Namespace(settings.state_dir, ACCOUNT, "us-east-1").root / "index" / "Failed"
    prepared = len(os.listdir(failed)) if failed.is_dir() else 0
    return (last[1] - first[1]) / (last[0] - first[0]), prepared


def beside(root: Path, objects: int, queued: int) -> None:
    alone, _ = active_rate(root / "alone", objects, 0)
    crowded, prepared = active_rate(root / "crowded", objects, queued)
    print(f"tagging job alone                  {alone:>7.0f} tasks/s  ({objects:,} objects)")
    label = f"  with {queued:,} jobs queued"
    print(f"{label:<35}{crowded:>7.0f} tasks/s  ({prepared:,} prepared meanwhile)")
    print(f"  ratio queued/alone               {crowded / alone:>7.2f}  (target about 1)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--queue", type=int, default=10_000)
    parser.add_argument("--objects", type=int, default=5_000, help="of the tagging job")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="s3bo-queue-") as tmp:
        listing(Path(tmp) / "list", args.jobs)
        queue(Path(tmp) / "queue", args.queue)
        beside(Path(tmp) / "beside", args.objects, args.queue)


if __name__ == "__main__":
    main()
