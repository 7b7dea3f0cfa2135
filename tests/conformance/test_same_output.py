"""The same calls give the same output on every path: keys, order, values, errors.

One scenario runs on the local backend and on each path through ``s3bo serve``;
results are compared as JSON text (so member order counts) once job ids,
timestamps and page tokens are replaced by placeholders.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from s3bo_cli.errors import ServiceError
from tests.conformance.conftest import aws_executable, local_driver
from tests.conformance.drivers import Driver

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


@contextmanager
def driver(path: str, tmp_path: Path):
    generator = local_driver(path, tmp_path)
    try:
        yield next(generator)
    finally:
        generator.close()


def scenario(api: Driver) -> list[Any]:
    """Every operation, successes and service errors, as one list of results."""
    out: list[Any] = []

    def record(operation: str, **params: Any) -> dict[str, Any]:
        try:
            result = api.call(operation, **params)
        except ServiceError as exc:
            result = {"Error": {"Code": exc.code, "Message": exc.message}}
        out.append({operation: result})
        return result

    first = record(
        "CreateJob",
        **api.job_params(Tags=[{"Key": "team", "Value": "data"}], Description="first"),
    )["JobId"]
    report = {
        "Bucket": "arn:aws:s3:::reports",
        "Format": "Report_CSV_20180820",
        "Enabled": True,
        "Prefix": "batch",
        "ReportScope": "FailedTasksOnly",
    }
    second = record(
        "CreateJob",
        **api.job_params(
            ConfirmationRequired=False,
            Operation={"S3DeleteObjectTagging": {}},
            Report=report,
            Description=None,
            Priority=2147483647,
        ),
    )["JobId"]
    record("DescribeJob", JobId=first)
    record("DescribeJob", JobId=second)
    record("ListJobs")
    token = record("ListJobs", MaxResults=1)["NextToken"]
    record("ListJobs", MaxResults=1, NextToken=token)
    record("ListJobs", JobStatuses=["Complete", "Failed"])
    record("UpdateJobPriority", JobId=first, Priority=0)
    record(
        "UpdateJobStatus",
        JobId=second,
        RequestedJobStatus="Cancelled",
        StatusUpdateReason="not needed after all",
    )
    record("UpdateJobStatus", JobId=second, RequestedJobStatus="Ready")
    record("DescribeJob", JobId=second)
    manifest = {**api.manifest, "Location": {**api.manifest["Location"], "ETag": "0" * 32}}
    third = record("CreateJob", **api.job_params(Manifest=manifest, Description="bad etag"))
    api.settle(first)  # first: Suspended, awaiting confirmation; third: Failed
    record("DescribeJob", JobId=first)
    record("DescribeJob", JobId=third["JobId"])
    record("ListJobs", JobStatuses=["Failed", "Suspended"])
    record("GetJobTagging", JobId=first)
    record(
        "PutJobTagging", JobId=first, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}]
    )
    record("GetJobTagging", JobId=first)
    record("DeleteJobTagging", JobId=first)
    record("GetJobTagging", JobId=first)
    record("DescribeJob", JobId="00000000-0000-4000-8000-000000000000")
    record("PutJobTagging", JobId=first, Tags=[{"Key": f"k{i}", "Value": ""} for i in range(51)])
    record("ListJobs", NextToken="bm90LWEtdG9rZW4")
    return out


def normalised(results: list[Any], job_ids: list[str]) -> str:
    text = json.dumps(results, indent=1)
    for number, job_id in enumerate(job_ids, 1):
        text = text.replace(job_id, f"<job-{number}>")
    text = TIMESTAMP.sub("<time>", text)
    return re.sub(r'"NextToken": "[^"]+"', '"NextToken": "<token>"', text)


@pytest.mark.parametrize("path", ["boto3-serve", "awscli-serve"])
def test_every_operation_gives_the_local_backends_output(path: str, tmp_path: Path):
    if path == "awscli-serve" and not aws_executable().exists():
        pytest.skip("the aws CLI is not installed in this venv")
    with driver("local", tmp_path / "local") as local:
        expected = normalised(scenario(local), local.created)
    with driver(path, tmp_path / "served") as served:
        got = normalised(scenario(served), served.created)
    assert got == expected
