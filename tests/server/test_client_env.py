"""Offline testing of AWS programs: ``s3bo serve --print-env`` and the recipe it prints.

An unmodified boto3 program that uses S3 Batch Operations runs against
``s3bo serve`` plus moto with nothing but the printed environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from s3bo_cli.cli import cli
from tests.beyond.test_readme_tour import wait_for_the_worker_to_exit
from tests.server.test_serve_cli import running

#: A program written for AWS: no endpoint, no proxy, no s3bo in it.
PROGRAM = """
import sys, time, boto3

bucket = sys.argv[1]
s3 = boto3.client("s3")
account = boto3.client("sts").get_caller_identity()["Account"]
s3.create_bucket(Bucket=bucket)
for key in ("a.jpg", "b c.jpg"):
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
manifest = f"{bucket},a.jpg\\n{bucket},b%20c.jpg\\n".encode()
etag = s3.put_object(Bucket=bucket, Key="manifest.csv", Body=manifest)["ETag"].strip('"')

s3control = boto3.client("s3control")
job_id = s3control.create_job(
    AccountId=account,
    ConfirmationRequired=False,
    Operation={"S3PutObjectTagging": {"TagSet": [{"Key": "done", "Value": "yes"}]}},
    Manifest={
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
        "Location": {"ObjectArn": f"arn:aws:s3:::{bucket}/manifest.csv", "ETag": etag},
    },
    Report={"Enabled": False},
    Priority=10,
    RoleArn=f"arn:aws:iam::{account}:role/batch-operations",
)["JobId"]
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    job = s3control.describe_job(AccountId=account, JobId=job_id)["Job"]
    if job["Status"] in ("Complete", "Failed", "Cancelled"):
        break
    time.sleep(0.2)
print(job["Status"], job["JobArn"], job["ProgressSummary"]["NumberOfTasksSucceeded"])
print(s3.get_object_tagging(Bucket=bucket, Key="b c.jpg")["TagSet"])
"""


def print_env(*args: str) -> str:
    result = CliRunner().invoke(cli, ["serve", "--print-env", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def bare_env(tmp_path: Path) -> dict[str, str]:
    """No AWS or s3bo settings at all: only what a shell has."""
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}


def test_an_unmodified_boto3_program_runs_offline_with_the_printed_environment(
    tmp_path, moto_endpoint
):
    state = tmp_path / "serve-state"
    program = tmp_path / "batch.py"
    program.write_text(PROGRAM)
    serve_env = {k: v for k, v in os.environ.items() if k != "S3BO_NO_AUTOSTART"}
    serve_env["S3BO_STATE_DIR"] = str(state)
    try:
        with running("--s3-endpoint-url", moto_endpoint, env=serve_env) as (server, _, _):
            exports = print_env(
                "--s3-endpoint-url", moto_endpoint, "--port", str(server.port), "--shell", "bash"
            )
            (tmp_path / "env.sh").write_text(exports)
            bucket = f"offline-{uuid.uuid4().hex[:12]}"
            done = subprocess.run(
                ["bash", "-c", f'. ./env.sh && exec "{sys.executable}" batch.py {bucket}'],
                cwd=tmp_path, env=bare_env(tmp_path), capture_output=True, text=True, timeout=120,
            )  # fmt: skip
    finally:
        wait_for_the_worker_to_exit(state)
    assert done.returncode == 0, done.stderr
    status, arn, succeeded = done.stdout.splitlines()[0].split()
    assert (status, succeeded) == ("Complete", "2")
    assert arn.startswith("arn:aws:s3:us-east-1:123456789012:job/")
    assert done.stdout.splitlines()[1] == "[{'Key': 'done', 'Value': 'yes'}]"


def test_the_exports_name_the_server_and_its_s3_endpoint():
    out = print_env("--port", "9999", "--host", "0.0.0.0")
    assert "export AWS_ENDPOINT_URL_S3_CONTROL=http://s3control.local" in out
    assert "export HTTP_PROXY=http://127.0.0.1:9999" in out
    assert "export http_proxy=http://127.0.0.1:9999" in out
    assert "AWS_ENDPOINT_URL=" not in out  # no S3 endpoint configured: said in a comment
    assert "--s3-endpoint-url" in out
    out = CliRunner().invoke(
        cli,
        ["--s3-endpoint-url", "http://minio.internal:9000", "--region", "eu-west-1", "serve",
         "--print-env", "--port", "9999"],
    ).stdout  # fmt: skip
    assert "export AWS_ENDPOINT_URL=http://minio.internal:9000" in out
    assert "export NO_PROXY=127.0.0.1,localhost,::1,minio.internal" in out
    assert "export AWS_DEFAULT_REGION=eu-west-1" in out


def test_the_server_key_pair_is_exported_under_require_auth(monkeypatch):
    monkeypatch.setenv("S3BO_SERVE_ACCESS_KEY_ID", "AKIDSERVE")
    monkeypatch.setenv("S3BO_SERVE_SECRET_ACCESS_KEY", "it's secret")
    out = print_env("--require-auth")
    assert "export AWS_ACCESS_KEY_ID=AKIDSERVE" in out
    assert "export AWS_SECRET_ACCESS_KEY='it'\"'\"'s secret'" in out


SHOW_POSIX = '. ./env && printf "%s\\n" "$AWS_SECRET_ACCESS_KEY" "$HTTP_PROXY"'
SHOW_FISH = 'source ./env; printf "%s\\n" "$AWS_SECRET_ACCESS_KEY" "$HTTP_PROXY"'
SHOW_PWSH = ". ./env.ps1; $env:AWS_SECRET_ACCESS_KEY; $env:HTTP_PROXY"


@pytest.mark.parametrize(
    ("shell", "command"),
    [
        ("bash", ["bash", "-c", SHOW_POSIX]),
        ("zsh", ["zsh", "-c", SHOW_POSIX]),
        ("fish", ["fish", "-c", SHOW_FISH]),
        ("powershell", ["pwsh", "-NoProfile", "-Command", SHOW_PWSH]),
    ],
)
def test_each_shell_reads_its_exports_back(shell, command, tmp_path, monkeypatch):
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    secret = 'a\'b "c" $HOME `x` \\ d;e'
    monkeypatch.setenv("S3BO_SERVE_ACCESS_KEY_ID", "AKIDSERVE")
    monkeypatch.setenv("S3BO_SERVE_SECRET_ACCESS_KEY", secret)
    out = print_env("--require-auth", "--port", "8585", "--shell", shell)
    (tmp_path / ("env.ps1" if shell == "powershell" else "env")).write_text(out)
    done = subprocess.run(command, cwd=tmp_path, env=bare_env(tmp_path), capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [secret, "http://127.0.0.1:8585"]


def test_the_shell_defaults_to_the_users(monkeypatch):
    monkeypatch.setenv("SHELL", "/usr/bin/fish")
    assert "set -gx HTTP_PROXY 'http://127.0.0.1:8484'" in print_env()


def test_print_env_with_port_0_is_a_usage_error():
    result = CliRunner().invoke(cli, ["serve", "--print-env", "--port", "0"])
    assert result.exit_code == 252
    assert "--print-env needs the server's --port" in result.output


def test_print_env_under_require_auth_needs_the_key_pair():
    result = CliRunner().invoke(cli, ["serve", "--print-env", "--require-auth"])
    assert result.exit_code == 252
    assert "--require-auth needs --auth-key-id and --auth-secret" in result.output
