"""Every benchmark runs end to end at a tiny size and prints its figures (no timing asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("script", "args", "expected"),
    [
        ("cli_startup.py", ["--jobs", "3", "--runs", "1"], "ratio s3bo/aws"),
        ("engine_throughput.py", ["--objects", "50", "--rounds", "1"], "ratio job/loop"),
        (
            "engine_latency.py",
            ["--objects", "60", "--calls", "20", "--latency", "0.005"],
            "ratio throttled/ceiling",
        ),
        (
            "engine_multijob.py",
            ["--objects", "60", "--latency", "0.005"],
            "higher priority created mid-run",
        ),
        ("engine_s3store.py", ["--objects", "20", "--concurrency", "2"], "ratio job/loop"),
        ("manifest_memory.py", ["--lines", "1000,5000"], "peak RSS growth"),
        (
            "job_queue.py",
            ["--jobs", "30", "--queue", "20", "--objects", "40"],
            "ratio queued/alone",
        ),
        ("stress_faults.py", ["--objects", "60", "--jobs", "2", "--rounds", "2"], "losses found"),
        ("before_images.py", ["--objects", "40", "--rounds", "1"], "bytes on disk per task"),
    ],
)
def test_benchmark_runs(script, args, expected, tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout
