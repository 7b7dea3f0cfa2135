"""Peak memory of preparing a job from a long CSV manifest, and describe-job on it.

For each manifest size, a fresh process creates the job and runs the engine until
the job is prepared (the manifest is read, checked and turned into the task list;
the job then waits in Suspended for confirmation). Prints that process's peak RSS,
which should stay flat as the manifest grows (target: under 200 MB at 10 million
lines), and the wall time of `s3bo describe-job` on the prepared job (target: under
150 ms).

    python bench/manifest_memory.py [--lines 100000,1000000,10000000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

PREPARE = r"""
import hashlib, json, resource, sys, time
from pathlib import Path
from s3bo_cli.backends.local import LocalBackend
from s3bo_cli.config import resolve
from s3bo_cli.engine.worker import Worker

lines = int(sys.argv[1])
settings = resolve()
folder = settings.buckets_dir / "manifests"
folder.mkdir(parents=True, exist_ok=True)
(settings.buckets_dir / "photos").mkdir(exist_ok=True)
md5 = hashlib.md5()
with open(folder / "big.csv", "wb") as fh:
    for start in range(0, lines, 50_000):
        end = min(lines, start + 50_000)
        chunk = "".join(f"photos,dir/img%20{i:09d}.jpg\n" for i in range(start, end)).encode()
        md5.update(chunk)
        fh.write(chunk)
backend = LocalBackend(settings, autostart=False)
job_id = backend.invoke("CreateJob", {
    "AccountId": "123456789012", "ClientRequestToken": "big", "Priority": 1,
    "RoleArn": "arn:aws:iam::123456789012:role/bench", "Report": {"Enabled": False},
    "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
    "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820",
                          "Fields": ["Bucket", "Key"]},
                 "Location": {"ObjectArn": "arn:aws:s3:::manifests/big.csv",
                              "ETag": md5.hexdigest()}},
})["JobId"]
start = time.perf_counter()
Worker(settings.state_dir).run(burst=True)
elapsed = time.perf_counter() - start
job = backend.invoke("DescribeJob", {"AccountId": "123456789012", "JobId": job_id})["Job"]
assert job["Status"] == "Suspended", job["Status"]
assert job["ProgressSummary"]["TotalNumberOfTasks"] == lines
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"job_id": job_id, "peak_mb": peak, "prepare_s": elapsed}))
"""


def describe_ms(job_id: str, env: dict[str, str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "s3bo_cli", "--output", "json", "describe-job",
             "--job-id", job_id],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", default="100000,1000000,10000000")
    args = parser.parse_args()
    import json

    print(f"{'lines':>12}  {'peak RSS':>10}  {'prepare':>9}  {'describe-job':>12}")
    peaks = []
    for lines in (int(n) for n in args.lines.split(",")):
        with tempfile.TemporaryDirectory(prefix="s3bo-bench-") as tmp:
            env = {**os.environ, "S3BO_STATE_DIR": tmp, "S3BO_NO_AUTOSTART": "1"}
            out = subprocess.run(
                [sys.executable, "-c", PREPARE, str(lines)],
                env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
            result = json.loads(out.stdout)
            describe = describe_ms(result["job_id"], env)
        peaks.append(result["peak_mb"])
        print(
            f"{lines:>12,}  {result['peak_mb']:>7.1f} MB  {result['prepare_s']:>7.1f} s  "
            f"{describe:>9.1f} ms"
        )
    growth = peaks[-1] - peaks[0]
    print(f"peak RSS growth from the smallest to the largest manifest: {growth:+.1f} MB")
    print(
        f"targets: peak under 200 MB ({'met' if max(peaks) < 200 else 'missed'}), "
        "describe-job under 150 ms"
    )


if __name__ == "__main__":
    main()
