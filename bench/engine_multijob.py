"""Several jobs at once on an endpoint with latency: how the worker shares its slots.

The endpoint is bench/s3endpoint.py (``--latency``, 50 ms by default) in its own
process; the worker is `s3bo worker --burst` with default settings in its own
process; this script creates the jobs and reads their progress from the state
directory every 0.1 s. Two runs:

1. two tagging jobs of equal priority: both must be Active together, and while
   both run each must get between 40 % and 60 % of the tasks done;
2. a low-priority job running alone, then a higher-priority one created mid-run:
   seconds from its creation until its first task is recorded (target: within 2 s),
   and whether the low-priority job was paused meanwhile (it should be: the new
   job needs every slot).

    python bench/engine_multijob.py [--objects 10000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _jobs import ACCOUNT, create_tagging_job, isolate
from engine_latency import Endpoint

SHARE_RANGE = (0.4, 0.6)
TARGET_SECONDS = 2.0
POLL = 0.1


def manifest(name: str, count: int) -> bytes:
    return "".join(f"{name},obj-{i:07d}\n" for i in range(count)).encode()


def progress(state_dir: Path) -> dict[int, tuple[str, int]]:
    """Priority -> (status, tasks done) of every job."""
    from s3bo_cli.engine.jobstore import JobStore
    from s3bo_cli.state.layout import Namespace

    jobs = JobStore(Namespace(state_dir, ACCOUNT, "us-east-1"))
    found = {}
    for record in jobs.records():
        job = record["job"]
        summary = job["ProgressSummary"]
        done = summary["NumberOfTasksSucceeded"] + summary["NumberOfTasksFailed"]
        found[job["Priority"]] = (job["Status"], done)
    return found


class Run:
    """A state directory on a fresh endpoint, and a worker process serving it."""

    def __init__(self, tmp: str, latency: float) -> None:
        self.endpoint = Endpoint(latency)
        self.env = isolate(Path(tmp), S3BO_S3_ENDPOINT_URL=self.endpoint.url)
        from s3bo_cli.config import resolve

        self.settings = resolve()
        self.worker: subprocess.Popen[bytes] | None = None

    def create(self, name: str, count: int, priority: int) -> None:
        create_tagging_job(self.settings, manifest(name, count), report=False, name=name,
                           priority=priority)  # fmt: skip

    def start_worker(self) -> None:
        command = [sys.executable, "-m", "s3bo_cli", "worker", "--burst"]
        self.worker = subprocess.Popen(command, env={**os.environ, **self.env})

    def running(self) -> bool:
        return self.worker is not None and self.worker.poll() is None

    def close(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.wait(timeout=600)
        self.endpoint.stop()


def equal_priorities(count: int, latency: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="s3bo-bench-") as tmp:
        run = Run(tmp, latency)
        run.create("one", count, 5)
        run.create("two", count, 5)
        run.start_worker()
        first: dict[str, int] | None = None
        last: dict[str, int] = {}
        both = start = 0.0
        while run.running():
            time.sleep(POLL)
            jobs = _by_name(run.settings.state_dir)
            if all(status == "Active" for status, _ in jobs.values()) and len(jobs) == 2:
                done = {name: d for name, (_, d) in jobs.items()}
                if first is None:
                    first, start = done, time.perf_counter()
                last, both = done, time.perf_counter() - start
        run.close()
    if first is None or not last:
        return {"together": False}
    gained = {name: last[name] - first[name] for name in last}
    total = sum(gained.values()) or 1
    return {
        "together": True,
        "seconds": both,
        "rate": total / both if both else 0.0,
        "shares": {name: gained[name] / total for name in gained},
    }


def _by_name(state_dir: Path) -> dict[str, tuple[str, int]]:
    from s3bo_cli.engine.jobstore import JobStore
    from s3bo_cli.state.layout import Namespace

    found = {}
    for record in JobStore(Namespace(state_dir, ACCOUNT, "us-east-1")).records():
        job = record["job"]
        summary = job["ProgressSummary"]
        name = job["Manifest"]["Location"]["ObjectArn"].rsplit("/", 1)[1].removesuffix(".csv")
        found[name] = (
            job["Status"],
            summary["NumberOfTasksSucceeded"] + summary["NumberOfTasksFailed"],
        )
    return found


def preemption(count: int, latency: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="s3bo-bench-") as tmp:
        run = Run(tmp, latency)
        run.create("low", count, 1)
        run.start_worker()
        while run.running() and progress(run.settings.state_dir)[1][1] < count // 10:
            time.sleep(POLL)  # the low-priority job is well under way
        created = time.perf_counter()
        run.create("high", count // 2, 100)
        served = paused = None
        while run.running() and served is None:
            time.sleep(POLL / 2)
            jobs = progress(run.settings.state_dir)
            if jobs.get(100, ("", 0))[1] > 0:
                served = time.perf_counter() - created
            if paused is None and jobs[1][0] in ("Pausing", "Paused"):
                paused = time.perf_counter() - created
        run.close()
    return {"served": served, "paused": paused}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000, help="per job")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    ms = args.latency * 1000
    print(f"objects per job: {args.objects}   latency: {ms:.0f} ms   CPUs: {os.cpu_count()}")

    equal = equal_priorities(args.objects, args.latency)
    if not equal["together"]:
        print("equal priorities: the two jobs were never Active together (misses the target)")
    else:
        low, high = SHARE_RANGE
        shares = equal["shares"]
        fine = all(low <= share <= high for share in shares.values())
        verdict = "meets" if fine else "misses"
        listed = ", ".join(f"{name} {share:.0%}" for name, share in sorted(shares.items()))
        print(
            f"equal priorities, both Active:  {equal['seconds']:.1f} s at "
            f"{equal['rate']:.0f} tasks/s in all; shares {listed}"
        )
        print(f"  shares:                       {verdict} the target of {low:.0%}-{high:.0%} each")

    pre = preemption(args.objects, args.latency)
    served, paused = pre["served"], pre["paused"]
    if served is None:
        print("higher priority created mid-run: it never ran a task (misses the target)")
    else:
        verdict = "meets" if served <= TARGET_SECONDS else "misses"
        when = f"paused after {paused:.2f} s" if paused is not None else "never paused"
        print(
            f"higher priority created mid-run: first task after {served:.2f} s "
            f"(low-priority job {when})"
        )
        print(f"  seconds to its slots:         {verdict} the target of <= {TARGET_SECONDS:.0f} s")


if __name__ == "__main__":
    main()
