"""``--output table``: the rich layouts, colour handling and the generic fallback."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from output_samples import describe_job, list_jobs

from s3bo_cli.output import render

ANSI = re.compile(r"\x1b\[")


@pytest.fixture(autouse=True)
def _terminal_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("COLORTERM", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)


def table(
    result: dict[str, Any],
    operation: str,
    *,
    color: bool = False,
    is_tty: bool = False,
    query: str | None = None,
    fmt: str | None = "table",
) -> str:
    out = io.StringIO()
    render(
        result, operation=operation, fmt=fmt, query=query, stream=out, color=color, is_tty=is_tty
    )
    return out.getvalue()


def test_describe_job_panel() -> None:
    out = table(describe_job(), "DescribeJob")
    for expected in (
        "DescribeJob",
        "abcdef",
        "Complete",
        "42",
        "S3PutObjectTagging",
        "7/1/8 (100%)",
        "13s",
        "2019-10-03T21:48:48.048Z",
        "2019-10-03T21:49:53.944Z",
        "arn:aws:s3:::mybucket/manifest.csv",
        "S3BatchOperations_CSV_20180820: Bucket,Key",
        "arn:aws:s3:::reports prefix pfx (Report_CSV_20180820, AllTasks)",
        "arn:aws:iam::123456789012:role/S3BatchJobRole",
    ):
        assert expected in out
    assert not ANSI.search(out)


def test_describe_job_failure_reasons_table_only_when_any() -> None:
    out = table(describe_job(Status="Failed"), "DescribeJob")
    assert re.search(r"FailureCode\s+FailureReason", out)
    assert re.search(r"Code1\s+Reason1", out)
    assert "FailureCode" not in table(describe_job(FailureReasons=[]), "DescribeJob")


def test_describe_job_partial_progress_and_disabled_report() -> None:
    job = describe_job(
        ProgressSummary={
            "TotalNumberOfTasks": 200,
            "NumberOfTasksSucceeded": 40,
            "NumberOfTasksFailed": 10,
            "Timers": {"ElapsedTimeInActiveSeconds": 3725},
        },
        Report={"Enabled": False},
    )
    out = table(job, "DescribeJob")
    assert "40/10/200 (25%)" in out
    assert "1h 02m 05s" in out
    assert "disabled" in out


def test_describe_job_with_manifest_generator() -> None:
    job = describe_job(
        ManifestGenerator={"S3JobManifestGenerator": {"SourceBucket": "arn:aws:s3:::src"}}
    )
    del job["Job"]["Manifest"]
    assert "generated from arn:aws:s3:::src" in table(job, "DescribeJob")


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("Complete", "1;32"),
        ("Failed", "1;31"),
        ("Cancelled", "33"),
        ("Cancelling", "33"),
        ("Active", "36"),
        ("Suspended", "35"),
    ],
)
def test_status_colours_on_a_terminal(status: str, code: str) -> None:
    out = table(describe_job(Status=status), "DescribeJob", color=True, is_tty=True)
    assert f"\x1b[{code}m{status}" in out


@pytest.mark.parametrize(("color", "is_tty"), [(False, True), (True, False), (False, False)])
def test_no_ansi_without_colour_or_terminal(color: bool, is_tty: bool) -> None:
    for result, operation in ((describe_job(), "DescribeJob"), (list_jobs(), "ListJobs")):
        assert not ANSI.search(table(result, operation, color=color, is_tty=is_tty))


def test_default_format_on_a_terminal_is_table() -> None:
    out = table({"JobId": "abcdef"}, "CreateJob", fmt=None, is_tty=True)
    assert "CreateJob" in out
    assert not out.lstrip().startswith("{")


def test_list_jobs_rows_and_footer() -> None:
    out = table(list_jobs(), "ListJobs")
    header = r"JobId\s+Description\s+Operation\s+Priority\s+Status\s+Progress\s+Created"
    assert re.search(header, out)
    row1 = r"job-1\s+d1\s+S3PutObjectTagging\s+42\s+Complete\s+8/0/8 \(100%\)"
    assert re.search(row1 + r"\s+2019-10-03 21:48:48", out)
    assert re.search(r"job-2\s+LambdaInvoke\s+10\s+Active\s+50/2/100 \(52%\)", out)
    assert out.rstrip().splitlines()[-1] == "NextToken: tok123"


def test_list_jobs_footer_dimmed_and_statuses_coloured() -> None:
    out = table(list_jobs(), "ListJobs", color=True, is_tty=True)
    assert "\x1b[2mNextToken: tok123" in out
    assert "\x1b[36mActive" in out


def test_list_jobs_without_token_or_jobs() -> None:
    out = table({"Jobs": []}, "ListJobs")
    assert "No jobs." in out
    assert "NextToken" not in out


def test_list_jobs_keeps_job_ids_whole_on_a_narrow_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    job_id = "93735294-df46-44d5-8638-6356f335324e"
    result = list_jobs()
    result["Jobs"][0]["JobId"] = job_id
    assert job_id in table(result, "ListJobs")


def test_compact_tables() -> None:
    out = table({"JobId": "abcdef", "Priority": 7}, "UpdateJobPriority")
    assert re.search(r"JobId\s+Priority\s*\n.*\n\s*abcdef\s+7", out)
    out = table(
        {"JobId": "abcdef", "Status": "Cancelling", "StatusUpdateReason": "x y"}, "UpdateJobStatus"
    )
    assert re.search(r"abcdef\s+Cancelling\s+x y", out)
    assert "abcdef" in table({"JobId": "abcdef"}, "CreateJob")


def test_tagging_table() -> None:
    out = table(
        {"Tags": [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": ""}]}, "GetJobTagging"
    )
    assert re.search(r"Key\s+Value", out)
    assert re.search(r"k1\s+v1", out)
    assert "k2" in out
    assert "No tags." in table({"Tags": []}, "GetJobTagging")


def test_generic_fallback_for_unknown_operation() -> None:
    result = {
        "Name": "n",
        "Enabled": True,
        "Nested": {"Inner": "deep", "Items": [{"A": 1}, {"B": "two"}]},
        "Plain": ["x", "y"],
    }
    out = table(result, "SomeNewOperation")
    assert "SomeNewOperation" in out
    for expected in ("Name", "True", "Nested", "Inner", "deep", "two", "x", "y"):
        assert expected in out


def test_query_result_uses_generic_layout() -> None:
    out = table(list_jobs(), "ListJobs", query="Jobs[].[JobId,Status]")
    assert re.search(r"job-1\s+Complete", out)
    assert re.search(r"job-2\s+Active", out)
    assert table(describe_job(), "DescribeJob", query="Job.Priority").strip() == "42"


def test_query_without_match_prints_nothing() -> None:
    assert table(list_jobs(), "ListJobs", query="Nothing") == ""


@pytest.mark.parametrize("columns", [60, 80, 100, 120, 200])
def test_list_jobs_fits_the_terminal_dropping_the_least_important_columns(
    monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    result = list_jobs()
    for job in result["Jobs"]:
        job["JobId"] = "93735294-df46-44d5-8638-6356f335324e"
        job["Region"] = "us-east-1"
    out = table(result, "ListJobs", is_tty=True)
    assert all(len(line) <= columns for line in out.splitlines())
    header = next(line for line in out.splitlines() if "JobId" in line)
    assert "Status" in header and "…" not in header  # headers are never cut
    if columns >= 100:
        assert "Region" in header and "93735294-df46-44d5-8638-6356f335324e" in out
