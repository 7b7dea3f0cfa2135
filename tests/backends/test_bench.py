"""bench/serve_rps.py runs end to end (with a tiny load) and reports every figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_the_serve_benchmark_runs_and_stops_by_itself():
    command = [
        sys.executable,
        str(ROOT / "bench" / "serve_rps.py"),
        "--jobs",
        "3",
        "--requests",
        "40",
        "--seconds",
        "60",
        "--threads",
        "2",
        "--burst-clients",
        "5",
        "--burst-rounds",
        "2",
        "--json",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    for phase in ("DescribeJob", "ListJobs"):
        figures = summary["results"][phase]
        assert (figures["requests"], figures["errors"]) == (40, 0)
        assert figures["p99_ms"] >= figures["p50_ms"] > 0
    assert summary["describe_vs_target"] > 0
    burst = summary["results"]["Burst"]
    assert (burst["requests"], burst["errors"]) == (10, 0)
    assert burst["max_ms"] >= burst["p99_ms"] >= burst["p50_ms"] > 0
    assert isinstance(summary["burst_meets_target"], bool)
