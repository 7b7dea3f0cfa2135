"""Throughput of `s3bo serve`: DescribeJob and ListJobs requests per second, and latency.

Starts `s3bo serve` (a subprocess on a free loopback port) over a temporary state
directory holding `--jobs` ended jobs, then sends DescribeJob (random job) and
ListJobs (all jobs, one page) requests from `--threads` keep-alive connections,
each phase bounded by `--requests` or `--seconds`, whichever comes first. Then a
burst phase: `--burst-clients` clients open a new connection at the same moment
and send one DescribeJob each, `--burst-rounds` times (latency counts the
connect). Prints requests/s, p50, p99 and worst latency per phase, DescribeJob
against the target of 1,000 requests/s, and the burst against its targets (p99
under 50 ms, nothing over 1 s). Stops by itself.

    python bench/serve_rps.py [--jobs 100] [--requests 5000] [--seconds 20] [--threads 4]
                              [--burst-clients 50] [--burst-rounds 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ACCOUNT = "123456789012"
TARGET_DESCRIBE_RPS = 1000.0
TARGET_BURST_P99_MS = 50.0
TARGET_BURST_MAX_MS = 1000.0
LISTENING = re.compile(r"listening on http://[^:]+:(\d+)")
HEADERS = {"Host": f"{ACCOUNT}.s3control.local", "x-amz-account-id": ACCOUNT}


def make_jobs(state_dir: Path, count: int) -> list[str]:
    """``count`` jobs, created then cancelled, so that no worker is needed."""
    from s3bo_cli.backends.local import LocalBackend
    from s3bo_cli.config import Settings

    backend = LocalBackend(Settings(state_dir=state_dir), autostart=False)
    ids = []
    for i in range(count):
        job_id = backend.invoke(
            "CreateJob",
            {
                "AccountId": ACCOUNT,
                "Priority": i,
                "ClientRequestToken": f"bench-{i}",
                "Description": f"bench job {i}",
                "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/bench",
                "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
                "Report": {"Enabled": False},
                "Tags": [{"Key": "bench", "Value": str(i)}],
                "Manifest": {
                    "Spec": {
                        "Format": "S3BatchOperations_CSV_20180820",
                        "Fields": ["Bucket", "Key"],
                    },
                    "Location": {"ObjectArn": "arn:aws:s3:::b/m.csv", "ETag": "e"},
                },
            },
        )["JobId"]
        cancel = {"AccountId": ACCOUNT, "JobId": job_id, "RequestedJobStatus": "Cancelled"}
        backend.invoke("UpdateJobStatus", cancel)
        ids.append(job_id)
    return ids


def start_server(state_dir: Path, log_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`s3bo serve --port 0` on loopback; returns the process and its port."""
    command = [sys.executable, "-m", "s3bo_cli", "--state-dir", str(state_dir), "serve"]
    log = log_path.open("wb")
    proc = subprocess.Popen([*command, "--port", "0"], stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = LISTENING.search(log_path.read_text(errors="replace"))
        if match:
            return proc, int(match.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit("s3bo serve did not start:\n" + log_path.read_text(errors="replace")[-2000:])


@dataclass
class Phase:
    """One bounded load phase; threads share the request budget and the deadline."""

    name: str
    paths: list[str]
    budget: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        with self.lock:
            if self.budget <= 0:
                return False
            self.budget -= 1
            return True

    def record(self, latency: float, ok: bool) -> None:
        with self.lock:
            self.latencies.append(latency)
            self.errors += not ok


def client(port: int, phase: Phase, deadline: float) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        while time.perf_counter() < deadline and phase.take():
            path = random.choice(phase.paths)
            started = time.perf_counter()
            conn.request("GET", path, headers=HEADERS)
            response = conn.getresponse()
            response.read()
            phase.record(time.perf_counter() - started, response.status == 200)
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    finally:
        conn.close()


def burst_client(port: int, phase: Phase, barrier: threading.Barrier, rounds: int) -> None:
    """One new connection per round, opened when every client is ready, one request each."""
    for _ in range(rounds):
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            return
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok = False
        try:
            conn.request("GET", random.choice(phase.paths), headers=HEADERS)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except OSError:
            pass
        finally:
            conn.close()
        phase.record(time.perf_counter() - started, ok)


def run_phase(port: int, phase: Phase, threads: int) -> dict[str, float]:
    started = time.perf_counter()
    deadline = started + phase.seconds
    workers = [
        threading.Thread(target=client, args=(port, phase, deadline)) for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return figures(phase, time.perf_counter() - started)


def run_burst(port: int, phase: Phase, clients: int, rounds: int) -> dict[str, float]:
    barrier = threading.Barrier(clients)
    workers = [
        threading.Thread(target=burst_client, args=(port, phase, barrier, rounds))
        for _ in range(clients)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return figures(phase, time.perf_counter() - started)


def figures(phase: Phase, elapsed: float) -> dict[str, float]:
    ordered = sorted(phase.latencies)
    count = len(ordered)
    return {
        "requests": count,
        "errors": phase.errors,
        "seconds": round(elapsed, 2),
        "rps": round(count / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(ordered) * 1000, 2) if ordered else 0.0,
        "p99_ms": round(ordered[min(count - 1, int(count * 0.99))] * 1000, 2) if ordered else 0.0,
        "max_ms": round(ordered[-1] * 1000, 2) if ordered else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--requests", type=int, default=5000, help="per phase")
    parser.add_argument("--seconds", type=float, default=20.0, help="per phase, at most")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--burst-clients", type=int, default=50, help="new connections at once")
    parser.add_argument("--burst-rounds", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="s3bo-serve-bench-"))
    proc = None
    try:
        state_dir = tmp / "state"
        job_ids = make_jobs(state_dir, args.jobs)
        proc, port = start_server(state_dir, tmp / "serve.log")
        phases = [
            Phase(
                "DescribeJob",
                [f"/v20180820/jobs/{j}" for j in job_ids],
                args.requests,
                args.seconds,
            ),
            Phase("ListJobs", ["/v20180820/jobs"], args.requests, args.seconds),
        ]
        results = {phase.name: run_phase(port, phase, args.threads) for phase in phases}
        burst = Phase("Burst", phases[0].paths, 0, 0.0)
        results["Burst"] = run_burst(port, burst, args.burst_clients, args.burst_rounds)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)

    describe = results["DescribeJob"]["rps"]
    burst_figures = results["Burst"]
    burst_ok = (
        burst_figures["p99_ms"] < TARGET_BURST_P99_MS
        and burst_figures["max_ms"] <= TARGET_BURST_MAX_MS
        and not burst_figures["errors"]
    )
    summary = {
        "jobs": args.jobs,
        "threads": args.threads,
        "burst_clients": args.burst_clients,
        "cpus": os.cpu_count(),
        "results": results,
        "target_describe_rps": TARGET_DESCRIBE_RPS,
        "describe_vs_target": round(describe / TARGET_DESCRIBE_RPS, 2),
        "target_burst_p99_ms": TARGET_BURST_P99_MS,
        "target_burst_max_ms": TARGET_BURST_MAX_MS,
        "burst_meets_target": burst_ok,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"s3bo serve, {args.jobs} jobs, {args.threads} client threads, {os.cpu_count()} CPUs")
    for name, figures in results.items():
        print(
            f"  {name:<12} {figures['requests']:>6} requests in {figures['seconds']:>6.2f}s "
            f"{figures['rps']:>8.1f} req/s  p50 {figures['p50_ms']:>6.2f} ms  "
            f"p99 {figures['p99_ms']:>6.2f} ms  max {figures['max_ms']:>7.2f} ms  "
            f"errors {figures['errors']}"
        )
    verdict = "meets" if describe >= TARGET_DESCRIBE_RPS else "below"
    print(
        f"  DescribeJob target {TARGET_DESCRIBE_RPS:.0f} req/s: "
        f"{summary['describe_vs_target']:.2f}x ({verdict})"
    )
    print(
        f"  Burst of {args.burst_clients} new connections, target p99 < "
        f"{TARGET_BURST_P99_MS:.0f} ms and max <= {TARGET_BURST_MAX_MS:.0f} ms: "
        f"{'meets' if burst_ok else 'below'}"
    )


if __name__ == "__main__":
    main()
