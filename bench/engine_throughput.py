"""Engine throughput: an S3PutObjectTagging job over N objects on the DirStore,
against a plain Python loop doing the same metadata writes on the same disk from
the same number of threads (the job's ``--concurrency`` slots, spread over its
task processes: two of four each at the default 8 on two CPUs or more).

The loop is the floor any engine pays: for each object, write its tag set as a
JSON sidecar the safe way (temp file, fsync, rename), ``--concurrency`` threads
at once, as the engine overlaps its fsyncs. The job does the same work through
the whole engine, as `s3bo worker --burst` with its default settings but that
concurrency (a DirStore job runs on threads in the worker's own process):
worker start-up, manifest read and ETag check, task list, DirStore writes with
before-images (on by default), one result line per task, progress checkpoints
and the completion report. Target: the job at least 0.8 of the
loop's rate.

Each side starts on a settled disk (``sync`` after its objects are made: the
writeback of files made just before would otherwise land on whichever runs
first), and the two alternate for ``--rounds`` rounds; the ratio is of the best
rate of each (on a virtual disk, identical runs differ by a third).

    python bench/engine_throughput.py [--objects 20000] [--concurrency 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _jobs import (
    create_tagging_job,
    finished_job,
    isolate,
    run_worker_process,
    seed_dir_objects,
)

TARGET = 0.8


def plain_loop(root: Path, count: int, threads: int) -> float:
    folder = root / "loop"
    folder.mkdir()
    for i in range(count):
        (folder / f"obj-{i:06d}").write_bytes(b"x")
    os.sync()

    def write(i: int) -> None:
        path = folder / f".obj-{i:06d}.json"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w") as fh:
            json.dump({"tags": {"project": "blue"}, "size": 1}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(write, range(count)):
            pass
    return time.perf_counter() - start


def engine_job(root: Path, count: int, concurrency: int) -> float:
    isolate(root)
    from s3bo_cli.config import resolve

    settings = resolve()
    manifest = seed_dir_objects(settings, count)
    backend = create_tagging_job(settings, manifest, report=True)
    os.sync()
    elapsed, _, _ = run_worker_process(settings.state_dir, {"S3BO_CONCURRENCY": str(concurrency)})
    job = finished_job(backend)
    if job["Status"] != "Complete" or job["ProgressSummary"]["NumberOfTasksSucceeded"] != count:
        raise SystemExit(f"the job did not complete: {job}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    loops, jobs = [], []
    print(f"objects:                   {args.objects}")
    for _ in range(args.rounds):
        for run, times in ((plain_loop, loops), (engine_job, jobs)):
            with tempfile.TemporaryDirectory(
                prefix="s3bo-bench-", dir=os.environ.get("TMPDIR")
            ) as tmp:
                times.append(run(Path(tmp), args.objects, args.concurrency))
            os.sync()  # the removed files' writeback lands here, not on the next side
    loop, job = min(loops), min(jobs)
    ratio = loop / job
    rates = ", ".join(f"{args.objects / t:.0f}" for t in loops)
    print(
        f"plain loop (fsync'd JSON): {loop:7.2f} s  {args.objects / loop:8.0f} writes/s "
        f"({args.concurrency} threads; rounds: {rates})"
    )
    rates = ", ".join(f"{args.objects / t:.0f}" for t in jobs)
    print(
        f"s3bo tagging job:          {job:7.2f} s  {args.objects / job:8.0f} tasks/s "
        f"(concurrency {args.concurrency}; rounds: {rates})"
    )
    verdict = "meets" if ratio >= TARGET else "misses"
    print(f"ratio job/loop:            {ratio:.2f} ({verdict} the target of >= {TARGET})")


if __name__ == "__main__":
    main()
