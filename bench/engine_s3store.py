"""Engine throughput on S3: an S3PutObjectTagging job through the S3Store against
moto's server, against a plain boto3 thread-pool loop making the same calls.

moto's server runs in its own process on loopback; both sides keep at most the same
number of requests in flight (the job's ``max_in_flight`` is ``--concurrency``).
The job keeps before-images (its default), so for each object it reads the object
(HeadObject) and its tags (GetObjectTagging) before it tags it; the loop makes the
same three calls (one with ``--no-before-images``, on both sides).
Target: the job at least 0.9 of the loop's rate.

    python bench/engine_s3store.py [--objects 3000] [--concurrency 8] [--no-before-images]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _jobs import run_tagging_job

TARGET = 0.9


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                sys.exit("moto's server did not start")
            time.sleep(0.1)


def s3_client(endpoint: str, concurrency: int):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=concurrency * 2),
    )


def seed(client, bucket: str, count: int, concurrency: int) -> None:
    client.create_bucket(Bucket=bucket)
    with ThreadPoolExecutor(concurrency) as pool:
        list(
            pool.map(
                lambda i: client.put_object(Bucket=bucket, Key=f"k{i}", Body=b"x"), range(count)
            )
        )


def plain_loop(client, bucket: str, count: int, concurrency: int, before_images: bool) -> float:
    tagging = {"TagSet": [{"Key": "project", "Value": "blue"}]}

    def task(i: int) -> None:
        if before_images:  # what the job reads first: the object, then its tags
            client.head_object(Bucket=bucket, Key=f"k{i}")
            client.get_object_tagging(Bucket=bucket, Key=f"k{i}")
        client.put_object_tagging(Bucket=bucket, Key=f"k{i}", Tagging=tagging)

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(task, range(count)))
    return time.perf_counter() - start


def engine_job(
    endpoint: str, state: Path, bucket: str, count: int, concurrency: int, before_images: bool
) -> float:
    os.environ.update(
        S3BO_STATE_DIR=str(state), S3BO_NO_AUTOSTART="1", S3BO_S3_ENDPOINT_URL=endpoint
    )
    from s3bo_cli.config import resolve

    manifest = "".join(f"{bucket},k{i}\n" for i in range(count)).encode()
    return run_tagging_job(
        resolve(), manifest, concurrency=concurrency, report=False, before_images=before_images
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--no-before-images", dest="before_images", action="store_false", help="on both sides"
    )
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    moto, endpoint = start_moto()
    try:
        client = s3_client(endpoint, args.concurrency)
        seed(client, "loop-data", args.objects, args.concurrency)
        seed(client, "job-data", args.objects, args.concurrency)
        loop = plain_loop(client, "loop-data", args.objects, args.concurrency, args.before_images)
        with tempfile.TemporaryDirectory(prefix="s3bo-bench-") as tmp:
            job = engine_job(
                endpoint, Path(tmp), "job-data", args.objects, args.concurrency, args.before_images
            )
    finally:
        moto.terminate()
        moto.wait(timeout=10)
    ratio = loop / job
    images = "on" if args.before_images else "off"
    print(f"objects:                 {args.objects} (threads: {args.concurrency} each)")
    print(f"before-images:           {images} (calls per object: {3 if args.before_images else 1})")
    print(f"boto3 thread-pool loop:  {loop:7.2f} s  {args.objects / loop:7.0f} objects/s")
    print(f"s3bo job via S3Store:    {job:7.2f} s  {args.objects / job:7.0f} tasks/s")
    verdict = "meets" if ratio >= TARGET else "misses"
    print(f"ratio job/loop:          {ratio:.2f} ({verdict} the target of >= {TARGET})")


if __name__ == "__main__":
    main()
