"""What the engine benchmarks share: one tagging job over a manifest, run to the end."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"


def isolate(root: Path, **extra: str) -> dict[str, str]:
    """Point s3bo at a fresh state directory under ``root``, with no config file and no
    S3BO_* settings from the caller's shell (so the worker runs with its defaults)."""
    for name in list(os.environ):
        if name.startswith("S3BO_"):
            del os.environ[name]
    env = {
        "S3BO_STATE_DIR": str(root / "state"),
        "S3BO_NO_AUTOSTART": "1",
        "S3BO_CONFIG": str(root / "no-config.toml"),
        **extra,
    }
    os.environ.update(env)
    return env


def seed_dir_objects(settings: Any, count: int) -> bytes:
    """``count`` DirStore objects ``data/obj-NNNNNN``, dropped in as plain files as a
    user would; returns the manifest over them."""
    from s3bo_cli.stores import open_store

    open_store(settings).create_bucket("data")
    data = settings.buckets_dir / "data"
    for i in range(count):
        (data / f"obj-{i:06d}").write_bytes(b"x")
    return "".join(f"data,obj-{i:06d}\n" for i in range(count)).encode()


def create_tagging_job(
    settings: Any,
    manifest: bytes,
    *,
    report: bool,
    before_images: bool = True,
    name: str = "m",
    priority: int = 1,
) -> Any:
    """Store ``manifest`` and create a tagging job over it; returns the local backend."""
    from s3bo_cli.backends.local import LocalBackend
    from s3bo_cli.stores import open_store

    store = open_store(settings)
    data = {line.split(b",", 1)[0].decode() for line in manifest.splitlines() if line}
    for bucket in ("manifests", "reports", *sorted(data)):  # the tasks' buckets exist
        if not store.bucket_exists(bucket):
            store.create_bucket(bucket)
    store.put_object("manifests", f"{name}.csv", manifest)
    backend = LocalBackend(settings, autostart=False)
    backend.create_job(
        {
            "AccountId": ACCOUNT,
            "ConfirmationRequired": False,
            "ClientRequestToken": f"bench-{name}",
            "Priority": priority,
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/bench",
            "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "project", "Value": "blue"}]}},
            "Manifest": {
                "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                "Location": {
                    "ObjectArn": f"arn:aws:s3:::manifests/{name}.csv",
                    "ETag": hashlib.md5(manifest).hexdigest(),
                },
            },
            "Report": {
                "Bucket": "arn:aws:s3:::reports",
                "Format": "Report_CSV_20180820",
                "Enabled": True,
                "ReportScope": "AllTasks",
            }
            if report
            else {"Enabled": False},
        },
        engine=None if before_images else {"before_images": False},
    )
    return backend


def finished_job(backend: Any) -> dict[str, Any]:
    """The (only) job, once the engine has run it."""
    return backend.invoke("ListJobs", {"AccountId": ACCOUNT})["Jobs"][0]


def run_tagging_job(
    settings: Any, manifest: bytes, *, concurrency: int, report: bool, before_images: bool = True
) -> float:
    """Create the job and run the engine in this process; seconds it took."""
    from s3bo_cli.engine.settings import EngineSettings
    from s3bo_cli.engine.worker import Worker

    backend = create_tagging_job(settings, manifest, report=report, before_images=before_images)
    start = time.perf_counter()
    Worker(
        settings.state_dir,
        settings=EngineSettings(concurrency=concurrency, max_in_flight=concurrency),
    ).run(burst=True)
    elapsed = time.perf_counter() - start
    job = finished_job(backend)
    count = manifest.count(b"\n")
    if job["Status"] != "Complete" or job["ProgressSummary"]["NumberOfTasksSucceeded"] != count:
        sys.exit(f"the job did not complete: {job}")
    return elapsed


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, in KiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def run_worker_process(
    state_dir: Path, env: dict[str, str] | None = None
) -> tuple[float, float, float]:
    """Run `s3bo worker --burst` as its own process (the settings it finds are its
    defaults); returns the seconds it ran, the peak memory of all its processes (MB)
    and the CPU seconds they used (which, unlike the rate, a busy machine hardly moves)."""
    import resource

    command = [sys.executable, "-m", "s3bo_cli", "--state-dir", str(state_dir), "worker", "--burst"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(command, env={**os.environ, **(env or {})})
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"the worker failed with exit code {proc.returncode}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return elapsed, peak / 1024, cpu
