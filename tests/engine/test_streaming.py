"""Manifests stream: preparing a long manifest keeps memory flat."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Writes an N-line manifest into a DirStore, then prepares it as the engine does
# (ETag check, CSV parse, task list) and prints the peak RSS in KiB.
PREPARE = """
import hashlib, resource, sys
from pathlib import Path
from s3bo_cli.engine import manifests
from s3bo_cli.engine.tasklog import TaskLog
from s3bo_cli.stores.dirstore import DirStore

root, lines = Path(sys.argv[1]), int(sys.argv[2])
store = DirStore(root / "buckets")
store.create_bucket("man")
path = root / "buckets" / "man" / "manifest.csv"
md5 = hashlib.md5()
with path.open("wb") as fh:
    for start in range(0, lines, 10000):
        end = min(lines, start + 10000)
        chunk = "".join(f"photos,dir/key%20{i:09d}.jpg\\n" for i in range(start, end)).encode()
        md5.update(chunk)
        fh.write(chunk)
manifest = {
    "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
    "Location": {"ObjectArn": "arn:aws:s3:::man/manifest.csv", "ETag": md5.hexdigest()},
}
log = TaskLog(root)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
count = log.write_tasks(manifests.entries(store, manifest))
progress = log.recover(count)
assert count == lines, count
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def peak_growth_kib(tmp_path, lines: int) -> int:
    folder = tmp_path / str(lines)
    folder.mkdir()
    out = subprocess.run(
        [sys.executable, "-c", PREPARE, str(folder), str(lines)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(out.stdout.strip())


def test_memory_does_not_grow_with_the_manifest(tmp_path):
    small = peak_growth_kib(tmp_path, 10_000)
    large = peak_growth_kib(tmp_path, 300_000)
    assert large - small < 16 * 1024  # 30x the lines, well under 16 MiB more


@pytest.mark.slow
def test_ten_million_line_manifest(tmp_path):
    assert peak_growth_kib(tmp_path, 10_000_000) < 64 * 1024
