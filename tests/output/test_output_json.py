"""``--output json``: byte-for-byte the aws CLI's JSON."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from datetime import datetime, timezone
from typing import Any

import pytest
from output_samples import describe_job, list_jobs

from s3bo_cli.output import render


def as_json(result: dict[str, Any] | None, query: str | None = None, **kw: Any) -> str:
    out = io.StringIO()
    options = {"fmt": "json", "color": False, "is_tty": False, **kw}
    render(result, operation="DescribeJob", query=query, stream=out, **options)
    return out.getvalue()


def test_indent_order_and_trailing_newline() -> None:
    out = as_json({"JobId": "abcdef", "Status": "Cancelling", "StatusUpdateReason": "x"})
    assert out == (
        '{\n    "JobId": "abcdef",\n    "Status": "Cancelling",\n    "StatusUpdateReason": "x"\n}\n'
    )


def test_keys_keep_response_order() -> None:
    out = as_json({"Tags": [{"Value": "v", "Key": "k"}]})
    assert out.index('"Value"') < out.index('"Key"')


def test_non_ascii_kept() -> None:
    assert '"Description": "café ✓"' in as_json({"Description": "café ✓"})


def test_booleans_and_numbers() -> None:
    out = as_json(describe_job())
    assert '"ConfirmationRequired": false' in out
    assert '"Enabled": true' in out
    assert '"Priority": 42' in out


def test_datetime_values_become_iso() -> None:
    when = datetime(2019, 10, 3, 21, 48, 48, tzinfo=timezone.utc)
    assert '"CreationTime": "2019-10-03T21:48:48+00:00"' in as_json({"CreationTime": when})


@pytest.mark.parametrize("result", [None, {}])
def test_empty_result_prints_nothing(result: dict[str, Any] | None) -> None:
    assert as_json(result) == ""


@pytest.mark.filterwarnings("ignore:deprecated string literal syntax")
def test_query_filters_before_formatting() -> None:
    assert as_json(list_jobs(), "Jobs[?Status==`Active`].JobId") == '[\n    "job-2"\n]\n'


def test_query_without_match_prints_null() -> None:
    assert as_json(list_jobs(), "Nothing") == "null\n"


def test_default_format_off_a_terminal_is_json() -> None:
    assert as_json({"JobId": "a"}, fmt=None) == '{\n    "JobId": "a"\n}\n'


_AWS_JSON = """
import io, json, sys
from argparse import Namespace
from awscli.formatter import JSONFormatter
out = []
for value in json.load(sys.stdin):
    stream = io.StringIO()
    JSONFormatter(Namespace(query=None))("describe-job", value, stream)
    out.append(stream.getvalue())
json.dump(out, sys.stdout)
"""


def test_matches_aws_cli_json_formatter() -> None:
    if importlib.util.find_spec("awscli") is None:
        pytest.skip("awscli is not installed")
    results = [describe_job(), list_jobs(), {"JobId": "x", "Priority": 3}, {"D": "café"}]
    proc = subprocess.run(
        [sys.executable, "-c", _AWS_JSON],
        input=json.dumps(results),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(proc.stdout) == [as_json(result) for result in results]
