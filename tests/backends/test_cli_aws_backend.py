"""The real CLI, ``--backend aws`` against ``s3bo serve``: same output as ``--backend local``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from s3bo_cli.errors import InternalServiceException, ServiceError
from tests.backends.conftest import AWS_CLI, FailingBackend, Served, closed_port
from tests.conftest import Run, create_args

OUTPUTS = ("json", "text", "table")


@pytest.fixture
def both(s3bo: Callable[..., Run], served: Served) -> Callable[..., tuple[Run, Run]]:
    """Run one command line with ``--backend local`` and with ``--backend aws``."""

    def run(*args: str) -> tuple[Run, Run]:
        local = s3bo("--backend", "local", *args, env=served.env)
        remote = s3bo(*AWS_CLI, *args, env=served.env)
        return local, remote

    return run


@pytest.fixture
def jobs(s3bo: Callable[..., Run], served: Served) -> list[str]:
    """Two jobs in the shared state directory, one tagged, one cancelled."""
    first = s3bo(*create_args("--tags", "Key=team,Value=data", "--description", "first"))
    second = s3bo(*create_args("--no-confirmation-required", priority=5))
    ids = [first.json["JobId"], second.json["JobId"]]
    cancel = ["update-job-status", "--job-id", ids[1], "--requested-job-status", "Cancelled"]
    assert s3bo(*cancel, "--status-update-reason", "not needed").exit_code == 0
    return ids


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize(
    "command",
    [
        ("describe-job", "--job-id", "{0}"),
        ("describe-job", "--job-id", "{1}"),
        ("list-jobs",),
        ("list-jobs", "--job-statuses", "Cancelled", "Complete"),
        ("list-jobs", "--max-results", "1"),
        ("get-job-tagging", "--job-id", "{0}"),
        ("update-job-priority", "--job-id", "{0}", "--priority", "7"),
        ("put-job-tagging", "--job-id", "{0}", "--tags", "Key=a,Value=b"),
    ],
    ids=lambda c: " ".join(c) if isinstance(c, tuple) else c,
)
def test_the_output_is_identical(both, jobs, command, output):
    args = [part.format(*jobs) for part in command]
    local, remote = both("--output", output, *args)
    assert (local.exit_code, local.stderr) == (0, "")
    assert (remote.exit_code, remote.stderr) == (0, "")
    assert remote.stdout == local.stdout


def test_queries_apply_to_the_same_result(both, jobs):
    local, remote = both(
        "--query", "Jobs[].[JobId,Status,Priority]", "--output", "text", "list-jobs"
    )
    assert remote.stdout == local.stdout
    assert jobs[0] in local.stdout


def test_creating_and_changing_jobs_prints_the_same_shapes(s3bo, served):
    outputs = []
    for backend in (("--backend", "local"), AWS_CLI):
        created = s3bo(*backend, *create_args(), env=served.env)
        job_id = created.json["JobId"]
        status = s3bo(
            *backend,
            "update-job-status",
            "--job-id",
            job_id,
            "--requested-job-status",
            "Cancelled",
            "--status-update-reason",
            "x y",
            env=served.env,
        )
        deleted = s3bo(*backend, "delete-job-tagging", "--job-id", job_id, env=served.env)
        outputs.append([run.stdout.replace(job_id, "<job>") for run in (created, status, deleted)])
    assert outputs[0] == outputs[1]
    assert outputs[1][1] == (
        '{\n    "JobId": "<job>",\n    "Status": "Cancelled",\n    "StatusUpdateReason": "x y"\n}\n'
    )


class TestExitCodes:
    """One line on stderr and the aws CLI v2's exit code, whichever backend."""

    def test_a_service_error_is_254_with_the_local_backends_message(self, both, served):
        local, remote = both("describe-job", "--job-id", "00000000-0000-4000-8000-000000000000")
        assert local.exit_code == remote.exit_code == 254
        assert remote.stderr == local.stderr
        assert remote.stderr.count("\n") == 1
        assert remote.stderr.startswith("An error occurred (NotFoundException) when calling the ")

    def test_a_job_status_conflict_is_254(self, both, jobs):
        args = ("update-job-status", "--job-id", jobs[1], "--requested-job-status", "Ready")
        local, remote = both(*args)
        assert local.exit_code == remote.exit_code == 254
        assert remote.stderr == local.stderr

    def test_a_parameter_error_is_252(self, both):
        local, remote = both("describe-job", "--job-id", "abc")
        assert local.exit_code == remote.exit_code == 252
        assert remote.stderr == local.stderr

    def test_missing_credentials_are_253(self, s3bo, served, tmp_path: Path):
        env = no_credentials(tmp_path, served)
        run = s3bo(*AWS_CLI, "list-jobs", env=env)
        assert run.exit_code == 253, run
        assert run.stderr == (
            "s3bo: error: Unable to locate credentials. You can configure credentials by "
            'running "aws configure".\n'
        )

    def test_missing_credentials_are_253_when_looking_up_the_account(self, s3bo, served, tmp_path):
        env = {**no_credentials(tmp_path, served), "S3BO_ACCOUNT_ID": None}
        run = s3bo(*AWS_CLI, "list-jobs", env=env)
        assert run.exit_code == 253, run
        assert run.stderr.count("\n") == 1

    def test_partial_credentials_are_253(self, s3bo, served, tmp_path):
        env = {**no_credentials(tmp_path, served), "AWS_ACCESS_KEY_ID": "AKIDONLY"}
        run = s3bo(*AWS_CLI, "list-jobs", env=env)
        assert run.exit_code == 253, run
        assert "Partial credentials found in env" in run.stderr
        assert run.stderr.count("\n") == 1

    def test_an_unknown_aws_profile_is_253(self, s3bo, served, tmp_path):
        Path(tmp_path / "config.toml").write_text("")  # an s3bo config without that profile
        env = {**no_credentials(tmp_path, served)}
        run = s3bo(*AWS_CLI, "--profile", "nope", "list-jobs", env=env)
        assert run.exit_code == 253, run
        assert run.stderr == "s3bo: error: The config profile (nope) could not be found\n"

    def test_expired_credentials_are_253(self, s3bo, serve_fake):
        expired = ServiceError(
            "The provided token has expired.", code="ExpiredToken", http_status=400
        )
        fake = serve_fake(FailingBackend(expired))
        run = s3bo(*AWS_CLI, "list-jobs", env=fake.env)
        assert run.exit_code == 253, run
        assert run.stderr == (
            "s3bo: error: the AWS credentials have expired (ExpiredToken): "
            "The provided token has expired.\n"
        )

    def test_connection_refused_is_255(self, s3bo):
        env = {
            "HTTP_PROXY": f"http://127.0.0.1:{closed_port()}",
            "AWS_MAX_ATTEMPTS": "1",
            "S3BO_ACCOUNT_ID": "123456789012",
        }
        run = s3bo(*AWS_CLI, "list-jobs", env=env)
        assert run.exit_code == 255, run
        assert run.stderr.startswith("s3bo: error: Failed to connect to proxy URL")
        assert run.stderr.count("\n") == 1

    def test_a_server_error_is_retried_as_botocore_is_configured(self, s3bo, serve_fake):
        backend = FailingBackend(InternalServiceException("try again"), times=1)
        fake = serve_fake(backend)
        run = s3bo(*AWS_CLI, "list-jobs", env={**fake.env, "AWS_MAX_ATTEMPTS": "2"})
        assert (run.exit_code, run.stdout, backend.calls) == (0, '{\n    "Jobs": []\n}\n', 2)

    def test_a_server_error_after_the_last_attempt_is_254(self, s3bo, serve_fake):
        backend = FailingBackend(InternalServiceException("still broken"))
        fake = serve_fake(backend)
        run = s3bo(*AWS_CLI, "list-jobs", env=fake.env)
        assert (run.exit_code, backend.calls) == (254, 1)
        assert run.stderr == (
            "An error occurred (InternalServiceException) when calling the ListJobs operation: "
            "still broken\n"
        )


def no_credentials(tmp_path: Path, served: Served) -> dict[str, str | None]:
    """No credentials anywhere: no variables, empty AWS files, no instance metadata."""
    (tmp_path / "aws-config").write_text("")
    (tmp_path / "aws-credentials").write_text("")
    return {
        **served.env,
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
        "AWS_SESSION_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
        "AWS_WEB_IDENTITY_TOKEN_FILE": None,
    }
