"""Tables at 50, 80, 100 and 120 columns: no job id cut, no word, key or code split."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from output_samples import describe_job

from s3bo_cli.output import render

WIDTHS = (50, 80, 100, 120)
IDS = [
    "bce9827b-5861-44af-921f-0c81006b5a41",
    "93735294-df46-44d5-8638-6356f335324e",
    "0f3a5c1e-2b4d-4e6f-8a9b-c0d1e2f3a4b5",
]


def draw(result: dict[str, Any], operation: str, columns: int, **kwargs: Any) -> str:
    """What a terminal ``columns`` wide shows (tables are laid out for COLUMNS off a tty)."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", str(columns))
        render(
            result,
            operation=operation,
            fmt="table",
            query=kwargs.get("query"),
            stream=out,
            color=False,
            is_tty=False,
        )
    return out.getvalue()


def tokens(value: Any) -> set[str]:
    """Every word of every scalar in ``value``, and every key."""
    if isinstance(value, dict):
        return set(map(str, value)).union(*(tokens(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(tokens(v) for v in value))
    return set(str(value).split()) if value is not None else set()


def assert_whole(out: str, words: set[str], columns: int) -> None:
    """Each word that fits a line shows unbroken; only longer ones overflow, never cut."""
    lines = out.splitlines()
    for word in words:
        assert any(word in line for line in lines), f"{word!r} split at {columns}:\n{out}"
    for line in lines:
        if len(line) > columns:
            assert " " not in line.strip(), f"a line overflows at {columns}:\n{out}"


def list_jobs_result() -> dict[str, Any]:
    statuses = ["Active", "Complete", "Suspended"]
    return {
        "Jobs": [
            {
                "JobId": job_id,
                "Operation": "S3PutObjectTagging",
                "Priority": 10,
                "Status": status,
                "CreationTime": "2026-11-24T03:21:22.828Z",
                "ProgressSummary": {
                    "TotalNumberOfTasks": 5000,
                    "NumberOfTasksSucceeded": 808,
                    "NumberOfTasksFailed": 2,
                },
            }
            for job_id, status in zip(IDS, statuses, strict=True)
        ]
    }


@pytest.mark.parametrize("columns", (*WIDTHS, 40))
def test_list_jobs_shows_whole_ids_at_every_width(columns: int) -> None:
    out = draw(list_jobs_result(), "ListJobs", columns)
    for job_id in IDS:
        assert re.search(rf"(^|\s){job_id}(\s|$)", out, re.M), out
    assert "…" not in out
    assert all(len(line) <= columns for line in out.splitlines()), out
    assert "Status" in out or columns < 48


def test_list_jobs_drops_columns_before_the_status_and_progress() -> None:
    assert "Created" in draw(list_jobs_result(), "ListJobs", 120)
    at_80 = draw(list_jobs_result(), "ListJobs", 80)
    assert "Progress" in at_80 and "808/2/5000" in at_80 and "Created" not in at_80
    at_50 = draw(list_jobs_result(), "ListJobs", 50)
    assert "Status" in at_50 and "Progress" not in at_50


def report_summary() -> dict[str, Any]:
    job_id = IDS[0]
    return {
        "JobId": job_id,
        "JobStatus": "Complete",
        "ReportLocation": f"s3://reports/job-{job_id}/manifest.json",
        "ReportCreationDate": "2026-11-24T03:21:22.828Z",
        "ReportScope": "AllTasks",
        "Total": 5000,
        "ByStatus": {"succeeded": 4990, "failed": 10},
        "Failures": [
            {
                "ErrorCode": "PermanentFailure",
                "HTTPStatusCode": "200",
                "Count": 8,
                "SampleKeys": ["photos/2024/img-00017.jpg", "photos/2024/img-00018.jpg"],
                "SampleMessage": "Lambda returned function error: Task timed out",
            },
            {
                "ErrorCode": "NoSuchKey",
                "HTTPStatusCode": "404",
                "Count": 2,
                "SampleKeys": ["photos/missing-1.jpg"],
                "SampleMessage": "The specified key does not exist.",
            },
        ],
    }


@pytest.mark.parametrize("columns", WIDTHS)
def test_report_never_splits_a_token(columns: int) -> None:
    summary = report_summary()
    out = draw(summary, "JobReport", columns)
    assert_whole(out, tokens(summary), columns)


@pytest.mark.parametrize("columns", WIDTHS)
def test_manifest_argument_stays_one_copyable_line(columns: int) -> None:
    argument = json.dumps(
        {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": "arn:aws:s3:::manifests/all.csv", "ETag": "6d33" * 8},
        },
        separators=(",", ":"),
    )
    result = {
        "Bucket": "manifests",
        "Key": "all.csv",
        "ETag": "6d33" * 8,
        "Count": 25,
        "Fields": ["Bucket", "Key"],
        "ManifestArgument": argument,
    }
    out = draw(result, "ManifestMake", columns)
    assert_whole(out, tokens(result), columns)


@pytest.mark.parametrize("columns", WIDTHS)
def test_describe_job_and_queries_keep_tokens_whole(columns: int) -> None:
    result = describe_job(JobId=IDS[1])
    out = draw(result, "DescribeJob", columns)
    assert IDS[1] in out
    queried = draw(result, "DescribeJob", columns, query="Job.[JobId,Status,RoleArn]")
    assert_whole(queried, {IDS[1], "arn:aws:iam::123456789012:role/S3BatchJobRole"}, columns)


def test_wide_enough_keeps_the_compact_boxed_layout() -> None:
    out = draw(report_summary(), "JobReport", 160)
    assert out.splitlines()[1].startswith("╭")  # one box, a row per field
    narrow = draw(report_summary(), "JobReport", 50)
    assert "╭──" not in narrow.splitlines()[1]


@pytest.mark.parametrize("columns", WIDTHS)
def test_events_table_keeps_job_ids_whole(columns: int) -> None:
    from s3bo_cli.output.events import EventPrinter

    events = [
        {
            "eventTime": "2026-11-24T03:21:22Z",
            "eventName": "JobStatusChanged",
            "serviceEventDetails": {"jobId": job_id, "status": "Complete", "failureCodes": []},
        }
        for job_id in IDS
    ]
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", str(columns))
        with EventPrinter(out, fmt="table", follow=False, one_job=False, color=False) as printer:
            printer.show(events)
    shown = out.getvalue()
    assert_whole(shown, {*IDS, "JobStatusChanged", "Complete", "2026-11-24"}, columns)
    assert "…" not in shown


def test_dry_run_plan_lines_fit_every_width(s3bo, store) -> None:
    from tests.conftest import ROLE
    from tests.engine.conftest import put_manifest

    store.create_bucket("photos")
    keys = [f"holiday-2024/img-{n:05d}.jpg" for n in range(3)]
    for key in keys:
        store.put_object("photos", key, b"x")
    manifest = put_manifest(store, [("photos", k) for k in [*keys, "holiday-2024/gone.jpg"]])
    operation = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}
    run = s3bo(
        "--output", "json", "create-job", "--dry-run", "--priority", "1", "--role-arn", ROLE,
        "--operation", json.dumps(operation), "--manifest", json.dumps(manifest),
        "--report", "Enabled=false",
    )  # fmt: skip
    assert run.exit_code == 0, run
    plan = run.json
    words = {f"s3://photos/{key}" for key in keys} | {"NoSuchKey:", "S3PutObjectTagging"}
    for columns in WIDTHS:
        out = draw(plan, "CreateJobDryRun", columns)
        assert_whole(out, words, columns)
        assert all(len(line) <= columns for line in out.splitlines()), out
