"""Every --job-id and JOB_ID takes a unique prefix of an id, on the local engine and on AWS."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.backends.conftest import AWS_CLI, Served, served

__all__ = ["served"]
from tests.conftest import Run


def two_jobs_sharing(make_job: Callable[..., str], state_dir) -> tuple[str, str, str]:
    """Two jobs whose ids start alike (at most 17 jobs: 16 hex digits); their shared prefix."""
    by_first: dict[str, str] = {}
    while True:
        job_id = make_job()
        if job_id[0] in by_first:
            first, second = by_first[job_id[0]], job_id
            break
        by_first[job_id[0]] = job_id
    shared = 0
    while first[shared] == second[shared]:
        shared += 1
    return first, second, first[:shared]


def test_a_unique_prefix_names_the_job_in_every_job_command(s3bo, make_job, state_dir):
    first, second, shared = two_jobs_sharing(make_job, state_dir)
    prefix = first[: len(shared) + 1]
    assert s3bo("describe-job", "--job-id", prefix).json["Job"]["JobId"] == first
    for command in (
        ["update-job-priority", "--job-id", prefix, "--priority", "3"],
        ["put-job-tagging", "--job-id", prefix, "--tags", "Key=a,Value=b"],
        ["get-job-tagging", "--job-id", prefix],
        ["delete-job-tagging", "--job-id", prefix],
        ["events", prefix, "--output", "json"],
    ):
        run = s3bo(*command)
        assert run.exit_code == 0, (command, run)
    paused = s3bo("pause", prefix)  # a New job cannot be paused: the error names it in full
    assert paused.exit_code == 254 and f"Job {first} is in status New" in paused.stderr
    assert s3bo("describe-job", "--job-id", first).json["Job"]["Priority"] == 3
    assert s3bo("describe-job", "--job-id", second).json["Job"]["Priority"] == 10


def test_an_ambiguous_prefix_is_refused_with_the_candidates(s3bo, make_job, state_dir):
    first, second, shared = two_jobs_sharing(make_job, state_dir)
    for command in (["describe-job", "--job-id", shared], ["wait", shared], ["watch", shared]):
        run = s3bo(*command)
        assert run.exit_code == 252, run
        assert f"job id prefix '{shared}' matches 2 jobs" in run.stderr
        assert first in run.stderr and second in run.stderr, run
        assert "give more of the id" in run.stderr


def test_an_unknown_id_is_not_found_with_a_hint(s3bo, make_job):
    make_job()
    run = s3bo("describe-job", "--job-id", "ffffffff")
    assert run.exit_code == 254
    assert "(NotFoundException)" in run.stderr
    assert "see `s3bo list-jobs`, or try another --region or --account-id" in run.stderr


def test_prefixes_work_on_aws_through_list_jobs(s3bo: Callable[..., Run], served: Served):
    created = s3bo(*AWS_CLI, *_create(), env=served.env)
    assert created.exit_code == 0, created
    job_id = created.json["JobId"]
    run = s3bo(*AWS_CLI, "describe-job", "--job-id", job_id[:10], env=served.env)
    assert run.exit_code == 0, run
    assert run.json["Job"]["JobId"] == job_id


def _create() -> list[str]:
    from tests.conftest import create_args

    return create_args()


@pytest.fixture(autouse=True)
def _json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3BO_OUTPUT", "json")
