"""Engine throughput against an endpoint with latency: a tagging job over N objects
through the S3Store, with the worker's default settings, against what boto3 can do.

The endpoint is bench/s3endpoint.py in its own process on loopback (it shares the
CPUs with the worker, as a local MinIO would). Three runs:

1. the baseline: one thread of plain boto3 ``put_object_tagging`` at 0 ms latency,
   calls per second, times the number of CPUs: what the machine could do at best;
2. the job at ``--latency`` (50 ms) with default settings, as `s3bo worker --burst`
   in its own process: tasks/s (targets: >= 1,500 and >= 0.5 of the baseline),
   and the peak memory of all the worker's processes (target: < 300 MB);
3. the same job while the endpoint throttles (503 SlowDown) above
   ``--throttle-above`` requests in flight: no task may fail, and tasks/s should be
   within 20 % of the throttle's ceiling: that many requests in flight, each
   answered after the latency, is ``throttle_above / latency`` requests/s, and
   a task sends several (with before-images GetObjectTagging, HeadObject and
   PutObjectTagging; the endpoint counts them all in flight), so the ceiling in
   tasks/s divides that by the requests each task sends in the unthrottled run.

    python bench/engine_latency.py [--objects 20000] [--latency 0.05] [--throttle-above 64]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _jobs import create_tagging_job, finished_job, isolate, run_worker_process

HERE = Path(__file__).resolve().parent
TARGET_RATE = 1500
TARGET_RATIO = 0.5
TARGET_MB = 300
THROTTLE_TOLERANCE = 0.2


class Endpoint:
    """bench/s3endpoint.py running in its own process."""

    def __init__(self, latency: float, throttle_above: int | None = None) -> None:
        command = [sys.executable, str(HERE / "s3endpoint.py"), "--latency", str(latency)]
        if throttle_above is not None:
            command += ["--throttle-above", str(throttle_above)]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            sys.exit("the endpoint did not start")

    def stop(self) -> dict[str, int]:
        """Stop it; its counters (requests, throttled, tagged, peak_in_flight)."""
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=30)
        return json.loads(out.strip().splitlines()[-1])

    def __enter__(self) -> Endpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def boto3_rate(calls: int) -> tuple[float, float]:
    """Calls per second of one thread of plain boto3 on the endpoint at 0 ms, and
    the CPU seconds each call cost this process."""
    import boto3
    from botocore.config import Config

    with Endpoint(0.0) as endpoint:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint.url,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        )
        tagging = {"TagSet": [{"Key": "project", "Value": "blue"}]}
        for i in range(min(100, calls)):  # warm up: connection, loaders
            client.put_object_tagging(Bucket="data", Key=f"warm{i}", Tagging=tagging)
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(calls):
            client.put_object_tagging(Bucket="data", Key=f"k{i}", Tagging=tagging)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        endpoint.stop()
    return calls / elapsed, cpu / calls


def job_run(
    count: int, latency: float, throttle_above: int | None, *, before_images: bool = True
) -> dict[str, float]:
    """The tagging job through `s3bo worker --burst` with default settings."""
    with (
        tempfile.TemporaryDirectory(prefix="s3bo-bench-") as tmp,
        Endpoint(latency, throttle_above) as endpoint,
    ):
        env = isolate(Path(tmp), S3BO_S3_ENDPOINT_URL=endpoint.url)
        from s3bo_cli.config import resolve
        from s3bo_cli.stores import open_store

        settings = resolve()
        open_store(settings).create_bucket("data")  # the objects' bucket, for HeadObject
        manifest = "".join(f"data,obj-{i:07d}\n" for i in range(count)).encode()
        backend = create_tagging_job(settings, manifest, report=False, before_images=before_images)
        elapsed, peak_mb, cpu = run_worker_process(settings.state_dir, env)
        job = finished_job(backend)
        counters = endpoint.stop()
    summary = job["ProgressSummary"]
    if (
        job["Status"] != "Complete"
        or summary["NumberOfTasksSucceeded"] + summary["NumberOfTasksFailed"] != count
    ):
        sys.exit(f"the job did not complete: {job}")
    return {
        "rate": count / elapsed,
        "seconds": elapsed,
        "peak_mb": peak_mb,
        "failed": summary["NumberOfTasksFailed"],
        "throttled": counters["throttled"],
        "peak_in_flight": counters["peak_in_flight"],
        "cpu_per_task": cpu / count,
        "requests_per_task": (counters["requests"] - counters["throttled"]) / count,
        "endpoint_cpu_per_task": counters["cpu_seconds"] / count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds")
    parser.add_argument("--throttle-above", type=int, default=64)
    parser.add_argument("--calls", type=int, default=3000, help="boto3 baseline calls")
    parser.add_argument(
        "--no-before-images",
        action="store_true",
        help="run the jobs without before-images (what they cost on an S3 endpoint)",
    )
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    cpus = os.cpu_count() or 1

    single, call_cpu = boto3_rate(args.calls)
    best = single * cpus
    images = not args.no_before_images
    plain = job_run(args.objects, args.latency, None, before_images=images)
    throttled = job_run(args.objects, args.latency, args.throttle_above, before_images=images)
    # The endpoint serves throttle_above requests per latency; each task needs
    # requests_per_task of them (counted in the run without throttles, so that
    # requests repeated after a throttle count against the engine, not the ceiling).
    per_task = plain["requests_per_task"]
    ceiling = args.throttle_above / (args.latency * per_task) if args.latency else float("inf")

    ms = args.latency * 1000
    ratio = plain["rate"] / best
    print(
        f"objects: {args.objects}   CPUs: {cpus}   latency: {ms:.0f} ms   "
        f"before-images: {'on' if images else 'off'}"
    )
    print(f"boto3, one thread, 0 ms:        {single:7.0f} calls/s  x {cpus} CPUs = {best:.0f}/s")
    print(
        f"s3bo job, default settings:     {plain['rate']:7.0f} tasks/s  "
        f"({plain['seconds']:.1f} s; endpoint saw up to {plain['peak_in_flight']} in flight)"
    )
    verdict = "meets" if plain["rate"] >= TARGET_RATE else "misses"
    print(f"  rate:                         {verdict} the target of >= {TARGET_RATE}/s")
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(
        f"ratio job/(CPUs x boto3):       {ratio:.2f} ({verdict} the target of >= {TARGET_RATIO})"
    )
    verdict = "meets" if plain["peak_mb"] < TARGET_MB else "misses"
    print(
        f"peak worker memory:             {plain['peak_mb']:7.0f} MB, all processes "
        f"({verdict} the target of < {TARGET_MB} MB)"
    )
    print(
        f"throttle's ceiling:             {ceiling:7.0f} tasks/s  ({args.throttle_above} in "
        f"flight / {ms:.0f} ms / {per_task:.2f} requests a task; throttled run: "
        f"{throttled['requests_per_task']:.2f} answered a task)"
    )
    share = throttled["rate"] / ceiling
    verdict = "meets" if throttled["failed"] == 0 and share >= 1 - THROTTLE_TOLERANCE else "misses"
    print(
        f"throttled above {args.throttle_above} in flight:    {throttled['rate']:7.0f} tasks/s  "
        f"of a {ceiling:.0f}/s ceiling: {share:.2f}; {throttled['throttled']} throttles, "
        f"{throttled['failed']} tasks failed"
    )
    print(f"ratio throttled/unthrottled:    {throttled['rate'] / plain['rate']:.2f}")
    bound = min(ceiling, plain["rate"])  # where the CPUs, not the throttle, are the limit
    print(
        f"ratio throttled/min(ceiling, unthrottled): {throttled['rate'] / bound:.2f} "
        f"(how close the engine comes to what it could do under this throttle)"
    )
    print(
        f"ratio throttled/ceiling:        {share:.2f} ({verdict} the target of "
        f">= {1 - THROTTLE_TOLERANCE:.1f} with no task failed)"
    )
    # CPU time per task hardly depends on what else the machine runs; rates do.
    task_cpu, endpoint_cpu = plain["cpu_per_task"], plain["endpoint_cpu_per_task"]
    projected = min(cpus / (task_cpu + endpoint_cpu), float("inf"))
    print(
        f"CPU per task:                   worker {task_cpu * 1e6:5.0f} us (all processes), "
        f"endpoint {endpoint_cpu * 1e6:.0f} us; one boto3 call {call_cpu * 1e6:.0f} us"
    )
    print(
        f"ratio boto3 call/worker task:   {call_cpu / task_cpu:.2f} (CPU; the rate ratio on "
        f"an idle machine, endpoint aside)"
    )
    print(
        f"projected on {cpus} idle CPUs:     {projected:7.0f} tasks/s "
        f"(CPUs / CPU per task, worker and endpoint)"
    )


if __name__ == "__main__":
    main()
