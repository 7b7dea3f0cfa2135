"""``s3bo --help`` and the local backend never load boto3 or botocore."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import create_args

PROGRAM = """
import json, sys
from s3bo_cli.cli import cli
for args in json.loads(sys.argv[1]):
    try:
        cli.main(args, prog_name="s3bo")
    except SystemExit as exc:
        if exc.code:
            raise SystemExit(f"{args[0]} exited {exc.code}")
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"boto3", "botocore", "awscli"})
print(json.dumps(loaded), file=sys.stderr)
"""


def loaded_after(commands: list[list[str]], tmp_path: Path) -> list[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "S3BO_STATE_DIR": str(tmp_path / "state"),
        "S3BO_CONFIG": str(tmp_path / "config.toml"),
        "S3BO_NO_AUTOSTART": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, json.dumps(commands)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_help_imports_no_aws_sdk(tmp_path):
    assert loaded_after([["--help"], ["create-job", "--help"]], tmp_path) == []


def test_local_backend_commands_import_no_aws_sdk(tmp_path):
    commands = [
        ["--output", "json", *create_args()],
        ["--output", "json", "list-jobs"],
        ["--output", "table", "list-jobs", "--job-statuses", "New"],
    ]
    assert loaded_after(commands, tmp_path) == []
