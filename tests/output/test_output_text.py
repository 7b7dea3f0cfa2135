"""``--output text`` against every example in s3control-jobs.md §11.5."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from output_samples import describe_job, list_jobs

from s3bo_cli.output import render
from s3bo_cli.output.text_format import format_text


def text(result: dict[str, Any], query: str | None = None, operation: str = "X") -> str:
    out = io.StringIO()
    render(
        result, operation=operation, fmt="text", query=query, stream=out, color=False, is_tty=False
    )
    return out.getvalue()


def test_create_job() -> None:
    assert text({"JobId": "93735294-df46-44d5-8638-6356f335324e"}) == (
        "93735294-df46-44d5-8638-6356f335324e\n"
    )


def test_update_job_priority() -> None:
    assert text({"JobId": "abcdef", "Priority": 7}) == "abcdef\t7\n"


def test_update_job_status() -> None:
    result = {"JobId": "abcdef", "Status": "Cancelling", "StatusUpdateReason": "x y"}
    assert text(result) == "abcdef\tCancelling\tx y\n"


def test_get_job_tagging() -> None:
    result = {"Tags": [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}]}
    assert text(result) == "TAGS\tk1\tv1\nTAGS\tk2\tv2\n"


def test_list_jobs() -> None:
    assert text(list_jobs()) == (
        "tok123\n"
        "JOBS\t2019-10-03T21:48:48.048Z\td1\tjob-1\tS3PutObjectTagging\t42\tComplete"
        "\t2019-10-03T21:49:53.944Z\n"
        "PROGRESSSUMMARY\t0\t8\t8\n"
        "TIMERS\t5\n"
        "JOBS\t2019-10-04T01:02:03.000Z\t\tjob-2\tLambdaInvoke\t10\tActive\t\n"
        "PROGRESSSUMMARY\t2\t50\t100\n"
    )


def test_describe_job() -> None:
    assert text(describe_job()) == (
        "JOB\tFalse\t2019-10-03T21:48:48.048Z\tdemo job"
        "\tarn:aws:s3:us-west-2:123456789012:job/abcdef\tabcdef\t42"
        "\tarn:aws:iam::123456789012:role/S3BatchJobRole\tComplete\t2019-10-03T21:49:53.944Z\n"
        "FAILUREREASONS\tCode1\tReason1\n"
        "LOCATION\t69f52a4e9f797e987155d9c8f5880897\tarn:aws:s3:::mybucket/manifest.csv\n"
        "SPEC\tS3BatchOperations_CSV_20180820\n"
        "FIELDS\tBucket\n"
        "FIELDS\tKey\n"
        "TAGSET\tconfidential\ttrue\n"
        "PROGRESSSUMMARY\t1\t7\t8\n"
        "TIMERS\t13\n"
        "REPORT\tarn:aws:s3:::reports\tTrue\tReport_CSV_20180820\tpfx\tAllTasks\n"
    )


def test_empty_failure_reasons_print_no_row() -> None:
    out = text(describe_job(FailureReasons=[]))
    assert "FAILUREREASONS" not in out
    assert out.startswith("JOB\tFalse\t")


def test_query_lone_scalar() -> None:
    assert text(describe_job(), query="Job.Status") == "Complete\n"


def test_query_list_of_lists() -> None:
    assert text(list_jobs(), query="Jobs[].[JobId,Status,Priority]") == (
        "job-1\tComplete\t42\njob-2\tActive\t10\n"
    )


def test_query_list_of_scalars() -> None:
    assert text(list_jobs(), query="Jobs[].JobId") == "job-1\tjob-2\n"


def test_columns_cover_keys_of_every_item() -> None:
    # A key only a later item has still gets a column (empty for the others).
    result = {"Items": [{"A": "1"}, {"A": "2", "B": "3"}]}
    assert text(result) == "ITEMS\t1\t\nITEMS\t2\t3\n"


@pytest.mark.parametrize("result", [None, {}])
def test_empty_result_prints_nothing(result: dict[str, Any] | None) -> None:
    assert text(result) == ""  # type: ignore[arg-type]


_keys = st.sampled_from(["A", "b", "Cc", "d", "Ee"])
_scalars = st.one_of(st.booleans(), st.integers(-5, 500), st.text("ab \t", max_size=3), st.none())
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=4)
    ),
    max_leaves=20,
)

_AWS_TEXT = """
import io, json, sys
from awscli.text import format_text
out = []
for value in json.load(sys.stdin):
    stream = io.StringIO()
    try:
        format_text(value, stream)
    except AttributeError:  # lists mixing structures and other values
        out.append(None)
    else:
        out.append(stream.getvalue())
json.dump(out, sys.stdout)
"""


def aws_cli(script: str, payload: Any) -> Any:
    """Run ``script`` in another interpreter: importing awscli swaps in its own botocore."""
    if importlib.util.find_spec("awscli") is None:
        pytest.skip("awscli is not installed")
    proc = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(proc.stdout)


@pytest.mark.parametrize("result", [describe_job(), list_jobs()])
def test_samples_match_aws_cli(result: dict[str, Any]) -> None:
    assert aws_cli(_AWS_TEXT, [result]) == [text(result)]


@settings(max_examples=8, deadline=None)
@given(st.lists(_values, min_size=50, max_size=80))
def test_matches_aws_cli_text_formatter(values: list[Any]) -> None:
    expected = aws_cli(_AWS_TEXT, values)
    for value, aws_text in zip(values, expected, strict=True):
        if aws_text is None:
            continue
        actual = io.StringIO()
        format_text(value, actual)
        assert actual.getvalue() == aws_text, value
