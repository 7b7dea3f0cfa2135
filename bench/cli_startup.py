"""Start-up benchmark: `s3bo list-jobs` (local, 100 jobs) against `aws s3control list-jobs`.

Both run as fresh processes, the aws CLI pointed at `s3bo serve` on loopback over
the same state directory, so both list the same 100 jobs. Prints the median wall
time of each and their ratio; the target is s3bo at most a quarter of the aws CLI.

    python bench/cli_startup.py [--jobs 100] [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ACCOUNT = "123456789012"
TARGET_RATIO = 0.25


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_jobs(env: dict[str, str], count: int) -> None:
    code = (
        "from s3bo_cli.backends.local import LocalBackend\n"
        "from s3bo_cli.config import resolve\n"
        "b = LocalBackend(resolve(), autostart=False)\n"
        f"for i in range({count}):\n"
        "    b.invoke('CreateJob', {'AccountId': '" + ACCOUNT + "', 'Priority': i,\n"
        "      'ClientRequestToken': f'bench-{i}', 'Description': f'bench job {i}',\n"
        "      'RoleArn': 'arn:aws:iam::" + ACCOUNT + ":role/bench',\n"
        "      'Operation': {'S3PutObjectTagging': {'TagSet': [{'Key': 'k', 'Value': 'v'}]}},\n"
        "      'Report': {'Enabled': False},\n"
        "      'Manifest': {'Spec': {'Format': 'S3BatchOperations_CSV_20180820',\n"
        "        'Fields': ['Bucket', 'Key']}, 'Location': {\n"
        "        'ObjectArn': 'arn:aws:s3:::b/m.csv', 'ETag': 'e'}}})\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def time_runs(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd[:3])} failed: {done.stderr.decode()[-500:]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    if aws is None:
        sys.exit("the aws CLI is not installed (pip install awscli)")
    with tempfile.TemporaryDirectory(prefix="s3bo-bench-") as tmp:
        env = {
            **os.environ,
            "S3BO_STATE_DIR": tmp,
            "S3BO_NO_AUTOSTART": "1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        make_jobs(env, args.jobs)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "s3bo_cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        sys.exit("s3bo serve did not start")
                    time.sleep(0.05)
            s3bo_cmd = [sys.executable, "-m", "s3bo_cli", "--output", "json", "list-jobs"]
            aws_cmd = [
                aws,
                "s3control",
                "list-jobs",
                "--account-id",
                ACCOUNT,
                "--endpoint-url",
                "http://s3control.local",
            ]
            aws_env = {**env, "HTTP_PROXY": f"http://127.0.0.1:{port}", "NO_PROXY": ""}
            s3bo_times = time_runs(s3bo_cmd, env, args.runs)
            aws_times = time_runs(aws_cmd, aws_env, args.runs)
        finally:
            server.terminate()
            server.wait(timeout=10)
    s3bo_median = statistics.median(s3bo_times)
    aws_median = statistics.median(aws_times)
    ratio = s3bo_median / aws_median
    print(f"jobs listed:                 {args.jobs}")
    print(f"s3bo list-jobs (local):      median {s3bo_median * 1000:7.1f} ms over {args.runs} runs")
    print(f"aws s3control list-jobs:     median {aws_median * 1000:7.1f} ms over {args.runs} runs")
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"ratio s3bo/aws:              {ratio:.3f} ({verdict} the target of <= {TARGET_RATIO})")


if __name__ == "__main__":
    main()
