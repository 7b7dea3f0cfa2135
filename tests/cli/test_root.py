"""The root command: version, help, the error boundary, exit codes, the README's commands."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from s3bo_cli import __version__
from s3bo_cli.cli import COMMANDS, cli
from tests.conftest import sigint_default

ROOT = Path(__file__).resolve().parents[2]


def test_version(s3bo):
    run = s3bo("--version")
    assert run.exit_code == 0
    assert run.stdout.strip() == f"s3bo, version {__version__}"


def test_python_dash_m_runs_the_same_program(state_dir):
    run = subprocess.run(
        [sys.executable, "-m", "s3bo_cli", "--output", "json", "list-jobs"],
        capture_output=True, text=True, env=dict(os.environ), check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout == '{\n    "Jobs": []\n}\n'


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(s3bo, name):
    command = cli.get_command(None, name)  # type: ignore[arg-type]
    assert command is not None, name
    run = s3bo(name, "--help")
    assert run.exit_code == 0
    assert "Example" in run.stdout, f"{name} --help has no example"


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in COMMANDS if f"`{name}" not in readme and f" {name}" not in readme]
    assert missing == []


def test_unknown_option_is_a_one_line_usage_error(s3bo):
    run = s3bo("list-jobs", "--max-items", "5")
    assert run.exit_code == 252
    assert run.stderr.startswith("s3bo: error: No such option '--max-items'")
    assert len(run.stderr.strip().splitlines()) == 1


def test_unknown_command(s3bo):
    run = s3bo("describe-jobs")
    assert run.exit_code == 252
    assert "No such command" in run.stderr


def test_bad_config_file_is_exit_253(s3bo, tmp_path):
    (tmp_path / "config.toml").write_text("[default\n")
    run = s3bo("list-jobs")
    assert run.exit_code == 253
    assert "config.toml" in run.stderr


def test_debug_shows_the_traceback(s3bo, make_job, state_dir):
    job_id = make_job()
    (state_dir / "accounts/123456789012/us-east-1/jobs" / job_id / "job.json").write_text("{")
    quiet = s3bo("describe-job", "--job-id", job_id)
    assert "Traceback" not in quiet.stderr
    loud = s3bo("--debug", "describe-job", "--job-id", job_id)
    assert loud.exit_code == 255
    assert "Traceback" in loud.stderr


def test_ctrl_c_exits_130_without_a_traceback(state_dir, make_job):
    job_id = make_job()  # New, and no worker runs (autostart is off in tests)
    proc = subprocess.Popen(
        [sys.executable, "-m", "s3bo_cli", "wait", job_id],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
        preexec_fn=sigint_default,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while proc.poll() is None:  # until `wait` has polled once and is sleeping
            line = proc.stderr.readline()
            if "New" in line or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "Traceback" not in err


def test_readme_starts_with_the_demo_and_the_test_command():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.S).group(1).splitlines()
    assert block[0].startswith("pip install . && s3bo quickstart")
    assert block[1].startswith("pip install -e '.[test]' && pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install --quiet -e '.[test]'" in ci and "\npytest" in ci


def test_quickstart_runs_a_whole_job(s3bo, state_dir):
    run = s3bo("--output", "json", "quickstart", "--objects", "5")
    assert run.exit_code == 0, run
    job = run.json["Job"]
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"] == {
        "TotalNumberOfTasks": 5,  # as many tasks as asked for: 3 objects, 2 missing keys
        "NumberOfTasksSucceeded": 3,
        "NumberOfTasksFailed": 2,
        "Timers": job["ProgressSummary"]["Timers"],
    }
    assert "2 of them do not exist, on purpose" in run.stderr
    assert "tasks:    5: 3 tagged, 2 failed (the missing keys, on purpose)" in run.stderr
    assert f"next:     s3bo report {job['JobId']}" in run.stderr
    report = state_dir / "buckets" / "demo-reports" / "quickstart" / f"job-{job['JobId']}"
    assert (report / "manifest.json").is_file()


def test_global_options_may_follow_the_command_as_in_the_aws_cli(s3bo, make_job):
    job_id = make_job()
    run = s3bo("describe-job", "--job-id", job_id, "--output", "text", "--query", "Job.Status")
    assert run.stdout == "New\n"
    run = s3bo("list-jobs", "--query=Jobs[].JobId", "--region", "eu-west-1")
    assert run.json == []


def test_hoisting_leaves_values_and_commands_alone():
    from s3bo_cli.cli import hoist_global_options

    assert hoist_global_options(["--state-dir", "list-jobs", "list-jobs", "--debug"]) == [
        "--debug", "--state-dir", "list-jobs", "list-jobs",
    ]  # fmt: skip
    assert hoist_global_options(["store", "put", "--", "--output", "x"]) == [
        "store", "put", "--", "--output", "x",
    ]  # fmt: skip


def test_no_command_prints_the_help(s3bo):
    for args in ([], ["store"], ["manifest"]):
        run = s3bo(*args)
        assert run.exit_code == 0, args
        assert "Usage:" in run.stdout and "error" not in run.stderr


def test_a_bad_parameter_is_252_before_any_manifest_lookup(s3bo):
    run = s3bo(
        "create-job", "--priority", "-1", "--role-arn", "arn:aws:iam::123456789012:role/b",
        "--operation", "S3DeleteObjectTagging={}", "--report", "Enabled=false",
        "--manifest", "Spec={Format=S3BatchOperations_CSV_20180820,Fields=[Bucket,Key]},"
        "Location={ObjectArn=arn:aws:s3:::nobucket/m.csv}",
    )  # fmt: skip
    assert run.exit_code == 252
    assert "Priority" in run.stderr


def test_local_file_and_s3_errors_are_one_clear_line(s3bo, tmp_path):
    assert s3bo("store", "mb", "s3://bkt").exit_code == 0
    missing = s3bo("store", "get", "s3://bkt/nokey", str(tmp_path / "out"))
    assert missing.exit_code == 254
    assert missing.stderr == ("An error occurred (NoSuchKey): The specified key does not exist.\n")
    (tmp_path / "f").write_text("x")
    assert s3bo("store", "put", str(tmp_path / "f"), "s3://bkt/f").exit_code == 0
    unwritable = s3bo("store", "get", "s3://bkt/f", "/nonexistent/dir/out")
    assert unwritable.exit_code == 255
    assert unwritable.stderr.startswith("s3bo: error: No such file or directory: ")
    assert "unexpected" not in unwritable.stderr
    assert len(unwritable.stderr.strip().splitlines()) == 1


def test_usage_errors_are_one_line_even_for_choices(s3bo):
    run = s3bo("update-job-status", "--job-id", "abcdefgh")
    assert run.exit_code == 252
    assert len(run.stderr.strip().splitlines()) == 1
    assert "--requested-job-status" in run.stderr


def test_configure_refuses_a_malformed_account_id(s3bo):
    run = s3bo("configure", "set", "account_id", "abc")
    assert run.exit_code == 252
    assert "12 digits" in run.stderr
    assert s3bo("configure", "get", "account_id").exit_code == 1  # nothing was written


def test_store_get_of_a_folder_marker_needs_a_destination(s3bo, moto_endpoint, tmp_path):
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="folder-marker")
    s3.put_object(Bucket="folder-marker", Key="folder/", Body=b"")
    options = ("--s3-endpoint-url", moto_endpoint)
    run = s3bo(*options, "store", "get", "s3://folder-marker/folder/")
    assert run.exit_code == 252
    assert "give a destination file" in run.stderr
    target = tmp_path / "marker"
    assert s3bo(*options, "store", "get", "s3://folder-marker/folder/", str(target)).exit_code == 0
    assert target.read_bytes() == b""
    assert [p.name for p in tmp_path.iterdir() if "s3bo-part" in p.name] == []
