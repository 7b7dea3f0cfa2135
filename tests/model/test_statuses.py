"""One home for the statuses, the ones that end a job, and the exit codes they give."""

from __future__ import annotations

from s3bo_cli import apimodel
from s3bo_cli.errors import ExitCode
from s3bo_cli.model.statuses import EXIT_CODES, TERMINAL, JobStatus


def test_the_statuses_are_the_models() -> None:
    assert sorted(s.value for s in JobStatus) == sorted(apimodel.enum_values("JobStatus"))


def test_api_strings_look_up_the_terminal_statuses_and_their_exit_codes() -> None:
    assert {"Complete", "Failed", "Cancelled"} == set(TERMINAL)
    assert "Failing" not in TERMINAL
    assert (EXIT_CODES["Complete"], EXIT_CODES["Failed"], EXIT_CODES["Cancelled"]) == (0, 1, 2)
    assert EXIT_CODES["Failed"] is ExitCode.JOB_FAILED
