"""Shell completion: the committed scripts are current, and completion finds real values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from s3bo_cli.cli.completion import SHELLS, completion_script

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("shell", SHELLS)
def test_committed_scripts_match_the_cli(shell, s3bo):
    committed = (ROOT / "completions" / f"s3bo.{shell}").read_text()
    assert committed == completion_script(shell)
    assert s3bo("completion", shell).stdout == committed


def complete(words: str, state_dir: Path) -> list[str]:
    """Ask the real program for bash completions of ``words`` (last word incomplete)."""
    parts = words.split(" ")
    env = {
        **os.environ,
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(parts) - 1),
        "_S3BO_COMPLETE": "bash_complete",
        "S3BO_STATE_DIR": str(state_dir),
    }
    out = subprocess.run(
        [sys.executable, "-m", "s3bo_cli"], env=env, capture_output=True, text=True, check=True
    ).stdout
    return [line.split(",", 1)[1] for line in out.splitlines() if "," in line]


def test_commands_and_options(state_dir):
    assert {"create-job", "describe-job", "list-jobs", "wait"} <= set(complete("s3bo ", state_dir))
    assert "--job-statuses" in complete("s3bo list-jobs --", state_dir)


def test_enum_values(state_dir):
    assert complete("s3bo --output ", state_dir) == ["json", "table", "text"]
    assert complete("s3bo list-jobs --job-statuses Ca", state_dir) == ["Cancelling", "Cancelled"]
    assert complete("s3bo update-job-status --requested-job-status ", state_dir) == [
        "Cancelled",
        "Ready",
    ]


def test_job_ids_from_the_state_directory(state_dir, make_job):
    first, second = make_job(), make_job()
    found = complete("s3bo describe-job --job-id ", state_dir)
    assert sorted(found) == sorted([first, second])
    assert complete(f"s3bo describe-job --job-id {first[:8]}", state_dir) == [first]
    assert complete(f"s3bo wait {second[:8]}", state_dir) == [second]
    other_region = complete("s3bo --region eu-west-1 describe-job --job-id ", state_dir)
    assert other_region == []


def test_help_completes_command_names(state_dir):
    assert "describe-job" in complete("s3bo help desc", state_dir)
    assert {"mb", "ls", "put"} <= set(complete("s3bo help store ", state_dir))
