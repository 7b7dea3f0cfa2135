"""Stress the engine's exactly-once promise: workers started, kill -9, locks deleted.

Creates tagging jobs (with completion reports) over a DirStore, then, round after
round, starts several workers at once, deletes, replaces or truncates every lock
and pid file in the state directory, and kills a random worker with SIGKILL,
until every job has ended. Then it counts, per job, the result lines recorded
twice (duplicates) and the tasks with no result (losses), and checks the job's
counts and its report against them.

    python bench/stress_faults.py --objects 2000 --jobs 3 --rounds 30
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._jobs import ACCOUNT

# A worker whose tasks take a little while, so that kills land mid-job.
SLOW_WORKER = """
import sys, time
from pathlib import Path
from s3bo_cli import ops
from s3bo_cli.engine.worker import Worker, WorkerBusy
real = ops.get("S3PutObjectTagging")
def slow(ctx, entry):
    time.sleep(0.002)
    return real(ctx, entry)
ops.get = lambda name: slow
try:
    Worker(Path(sys.argv[1])).run(burst=True)
except WorkerBusy:
    sys.exit(3)
"""


def create_jobs(state_dir: Path, objects: int, jobs: int) -> list[str]:
    """Objects, one manifest, and ``jobs`` tagging jobs with reports; their ids."""
    import hashlib

    from s3bo_cli.backends.local import LocalBackend
    from s3bo_cli.config import Settings
    from s3bo_cli.stores import open_store

    settings = Settings(state_dir=state_dir, region="us-east-1")
    store = open_store(settings)
    for bucket in ("photos", "manifests", "reports"):
        store.create_bucket(bucket)
    for i in range(objects):
        store.put_object("photos", f"k{i}", b"x")
    manifest = "".join(f"photos,k{i}\n" for i in range(objects)).encode()
    store.put_object("manifests", "m.csv", manifest)
    backend = LocalBackend(settings, autostart=False)
    ids = []
    for n in range(jobs):
        done = backend.invoke(
            "CreateJob",
            {
                "AccountId": ACCOUNT,
                "ConfirmationRequired": False,
                "ClientRequestToken": f"stress-{n}",
                "Priority": 1 + n,
                "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/bench",
                "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "n", "Value": str(n)}]}},
                "Manifest": {
                    "Spec": {
                        "Format": "S3BatchOperations_CSV_20180820",
                        "Fields": ["Bucket", "Key"],
                    },
                    "Location": {
                        "ObjectArn": "arn:aws:s3:::manifests/m.csv",
                        "ETag": hashlib.md5(manifest).hexdigest(),
                    },
                },
                "Report": {
                    "Bucket": "arn:aws:s3:::reports",
                    "Format": "Report_CSV_20180820",
                    "Enabled": True,
                    "Prefix": f"job{n}",
                    "ReportScope": "AllTasks",
                },
            },
        )
        ids.append(done["JobId"])
    return ids


def break_locks(state_dir: Path, rng: random.Random) -> int:
    """Delete, replace or truncate every lock and pid file; returns how many."""
    count = 0
    for path in [*state_dir.rglob("*.lock"), *state_dir.rglob("*.pid")]:
        how = rng.randrange(3)
        try:
            if how == 0:
                path.unlink()
            elif how == 1:
                fresh = path.with_name(path.name + ".new")
                fresh.write_text("4242\n")
                os.replace(fresh, path)
            else:
                path.write_text("")
        except OSError:
            continue
        count += 1
    return count


def job_record(state_dir: Path, job_id: str) -> dict[str, Any]:
    path = state_dir / "accounts" / ACCOUNT / "us-east-1" / "jobs" / job_id / "job.json"
    return json.loads(path.read_text())["job"]


def report_rows(state_dir: Path, job_id: str, n: int) -> int:
    """Rows in the job's completion report (DirStore objects are plain files)."""
    base = state_dir / "buckets" / "reports"
    manifest = json.loads((base / f"job{n}" / f"job-{job_id}" / "manifest.json").read_text())
    return sum(len((base / r["Key"]).read_text().splitlines()) for r in manifest["Results"])


def audit(state_dir: Path, job_id: str, objects: int) -> tuple[int, int, list[str]]:
    """(duplicate result lines, tasks without a result, other problems) of one job."""
    job_dir = state_dir / "accounts" / ACCOUNT / "us-east-1" / "jobs" / job_id
    lines = (job_dir / "results.jsonl").read_text().splitlines()
    indices = [json.loads(line)["index"] for line in lines]
    duplicates = len(indices) - len(set(indices))
    losses = objects - len(set(indices) & set(range(objects)))
    problems = []
    job = job_record(state_dir, job_id)
    summary = job["ProgressSummary"]
    if job["Status"] != "Complete":
        problems.append(f"status {job['Status']}")
    if (summary["NumberOfTasksSucceeded"], summary["NumberOfTasksFailed"]) != (objects, 0):
        problems.append(f"counts {summary}")
    return duplicates, losses, problems


def report_problems(state_dir: Path, job_id: str, n: int, objects: int) -> list[str]:
    try:
        rows = report_rows(state_dir, job_id, n)
    except (OSError, ValueError, KeyError) as exc:
        return [f"report unreadable: {exc}"]
    return [] if rows == objects else [f"report has {rows} rows"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=30, help="at most this many kill rounds")
    parser.add_argument("--workers", type=int, default=3, help="workers started at once")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="s3bo-stress-") as tmp:
        state_dir = Path(tmp) / "state"
        ids = create_jobs(state_dir, args.objects, args.jobs)
        env = {**os.environ, "S3BO_NO_AUTOSTART": "1", "S3BO_STATE_DIR": str(state_dir)}
        started = kills = broken = refused = 0
        start = time.perf_counter()

        def launch() -> subprocess.Popen[bytes]:
            nonlocal started
            started += 1
            return subprocess.Popen(
                [sys.executable, "-c", SLOW_WORKER, str(state_dir)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

        def all_ended() -> bool:
            return all(job_record(state_dir, j)["Status"] == "Complete" for j in ids)

        for _ in range(args.rounds):
            if all_ended():
                break
            workers = [launch() for _ in range(args.workers)]
            time.sleep(rng.uniform(0.05, 0.4))
            broken += break_locks(state_dir, rng)
            workers.append(launch())
            time.sleep(rng.uniform(0.05, 0.4))
            alive = [w for w in workers if w.poll() is None]
            if alive:
                os.kill(rng.choice(alive).pid, signal.SIGKILL)
                kills += 1
            broken += break_locks(state_dir, rng)
            for w in workers:
                if w.poll() is None:
                    w.kill()  # the round is over: kill -9 what is left too
                    kills += 1
                w.wait()
                refused += w.returncode == 3
        final = launch()  # one last worker, undisturbed, finishes what is left
        final.wait()
        elapsed = time.perf_counter() - start

        duplicates = losses = 0
        problems: list[str] = []
        for n, job_id in enumerate(ids):
            dup, lost, issues = audit(state_dir, job_id, args.objects)
            issues += report_problems(state_dir, job_id, n, args.objects)
            duplicates += dup
            losses += lost
            problems += [f"{job_id}: {issue}" for issue in issues]
        print(f"jobs                  {args.jobs} x {args.objects} tasks")
        print(f"workers started       {started}")
        print(f"refused (one runs)    {refused}")
        print(f"kills (SIGKILL)       {kills}")
        print(f"lock/pid files broken {broken}")
        print(f"duplicates found      {duplicates}")
        print(f"losses found          {losses}")
        print(f"other problems        {len(problems)}")
        for problem in problems:
            print(f"  {problem}")
        print(f"seconds               {elapsed:.1f}")
        if duplicates or losses or problems:
            sys.exit(1)


if __name__ == "__main__":
    main()
