"""The stock aws CLI (v1) against ``s3bo serve``, reached through HTTP_PROXY."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.server.conftest import ACCOUNT, ROLE, aws_executable

pytestmark = pytest.mark.skipif(
    not Path(aws_executable()).exists(), reason="the aws CLI is not installed in this venv"
)


def aws(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [aws_executable(), "s3control", *args, "--endpoint-url", "http://s3control.local"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def create_job_args() -> list[str]:
    """A tagging create-job command line, without --description or --tags."""
    manifest = {
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
        "Location": {"ObjectArn": "arn:aws:s3:::photos/manifest.csv", "ETag": "abc123"},
    }
    return [
        "create-job",
        "--account-id", ACCOUNT,
        "--operation", "S3PutObjectTagging={TagSet=[{Key=k,Value=v}]}",
        "--manifest", json.dumps(manifest),
        "--report", "Enabled=false",
        "--priority", "10",
        "--role-arn", ROLE,
    ]  # fmt: skip


def test_create_describe_list_and_tag_a_job(aws_env):
    created = aws(
        aws_env,
        *create_job_args(),
        "--tags", "Key=team,Value=data",
        "--description", "from the aws cli",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    job_id = json.loads(created.stdout)["JobId"]

    described = aws(aws_env, "describe-job", "--account-id", ACCOUNT, "--job-id", job_id)
    assert described.returncode == 0, described.stderr
    job = json.loads(described.stdout)["Job"]
    assert (job["JobId"], job["Description"], job["Priority"]) == (job_id, "from the aws cli", 10)
    assert job["CreationTime"].endswith("Z")

    statuses = ["New", "Preparing", "Suspended", "Ready", "Active", "Complete"]
    listed = aws(aws_env, "list-jobs", "--account-id", ACCOUNT, "--job-statuses", *statuses)
    assert listed.returncode == 0, listed.stderr
    assert job_id in [j["JobId"] for j in json.loads(listed.stdout)["Jobs"]]

    job = ["--account-id", ACCOUNT, "--job-id", job_id]
    tagged = aws(aws_env, "put-job-tagging", *job, "--tags", "Key=a,Value=b")
    assert (tagged.returncode, tagged.stdout) == (0, "")
    tags = aws(aws_env, "get-job-tagging", *job)
    assert json.loads(tags.stdout) == {"Tags": [{"Key": "a", "Value": "b"}]}


def test_a_service_error_exits_255_with_the_aws_message(aws_env):
    result = aws(aws_env, "describe-job", "--account-id", ACCOUNT, "--job-id", "no-such-job")
    assert result.returncode == 255
    assert (
        "An error occurred (NotFoundException) when calling the DescribeJob operation:"
        in result.stderr
    )


def test_an_empty_list_prints_an_empty_jobs_array(aws_env):
    result = aws(aws_env, "list-jobs", "--account-id", ACCOUNT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"Jobs": []}


class TestSignedByTheAwsCli:
    """``s3bo serve --require-auth`` verifies what the stock aws CLI signs."""

    KEY, SECRET = "AKIDAWSCLI", "aws-cli/secret+key"

    @pytest.fixture
    def signed_env(self, local_backend, tmp_path):
        from s3bo_cli.server import auth
        from tests.server.conftest import start

        for secured in start(local_backend, credentials=auth.Credentials(self.KEY, self.SECRET)):
            env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
            env.update(
                HTTP_PROXY=secured.proxy,
                AWS_ACCESS_KEY_ID=self.KEY,
                AWS_SECRET_ACCESS_KEY=self.SECRET,
                AWS_DEFAULT_REGION="eu-west-1",
                AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
                AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
            )
            yield env

    def test_body_query_strings_and_repeated_parameters_verify(self, signed_env):
        created = aws(signed_env, *create_job_args(), "--description", "ünï & café <b> 100%")
        assert created.returncode == 0, created.stderr
        job_id = json.loads(created.stdout)["JobId"]

        reason = "a b/c?d=e&f+g~h%20 ü*'()"
        updated = aws(
            signed_env,
            "update-job-status",
            "--account-id", ACCOUNT,
            "--job-id", job_id,
            "--requested-job-status", "Cancelled",
            "--status-update-reason", reason,
        )  # fmt: skip
        assert updated.returncode == 0, updated.stderr
        assert json.loads(updated.stdout)["StatusUpdateReason"] == reason

        statuses = ["Cancelled", "Cancelling", "Complete", "New"]
        listed = aws(signed_env, "list-jobs", "--account-id", ACCOUNT, "--job-statuses", *statuses)
        assert listed.returncode == 0, listed.stderr
        assert [j["JobId"] for j in json.loads(listed.stdout)["Jobs"]] == [job_id]

    def test_a_wrong_secret_is_refused(self, signed_env):
        result = aws(
            {**signed_env, "AWS_SECRET_ACCESS_KEY": "wrong"}, "list-jobs", "--account-id", ACCOUNT
        )
        assert result.returncode == 255
        assert "SignatureDoesNotMatch" in result.stderr
