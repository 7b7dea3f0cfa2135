"""render_response and render_error: what botocore's own parser reads back."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import botocore.session
import pytest
from botocore.parsers import RestXMLParser
from defusedxml.ElementTree import fromstring

from s3bo_cli import apimodel
from s3bo_cli.errors import JobStatusException, NotFoundException, ServiceError
from s3bo_cli.server.wire import render_error, render_response
from s3bo_cli.server.xmlcodec import timestamp_text
from tests.server.modelvalues import OUTPUT_TIMESTAMP, sample

MODEL = botocore.session.get_session().get_service_model("s3control")
NS = "{http://awss3control.amazonaws.com/doc/2018-08-20/}"


def botocore_parse(operation: str, status: int, headers: dict, body: bytes) -> dict[str, Any]:
    """Parse as boto3 does, with timestamps turned back into ISO strings."""
    shape = MODEL.operation_model(operation).output_shape
    parsed = RestXMLParser().parse({"status_code": status, "headers": headers, "body": body}, shape)
    parsed.pop("ResponseMetadata", None)
    return _iso(parsed)


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


@pytest.mark.parametrize("variant", range(5))
@pytest.mark.parametrize("operation", apimodel.JOB_OPERATIONS)
def test_every_output_member_round_trips_through_botocores_parser(operation, variant):
    name = apimodel.output_shape_name(operation)
    result = sample(name, timestamp=OUTPUT_TIMESTAMP, variant=variant)
    status, headers, body = render_response(operation, result)
    assert status == 200
    assert botocore_parse(operation, status, headers, body) == result


@pytest.mark.parametrize(
    "operation",
    ["CreateJob", "DescribeJob", "ListJobs", "UpdateJobPriority", "UpdateJobStatus"],
)
def test_root_element_is_the_result_shape_in_the_s3control_namespace(operation):
    _, headers, body = render_response(
        operation, sample(apimodel.output_shape_name(operation), timestamp=OUTPUT_TIMESTAMP)
    )
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert fromstring(body).tag == f"{NS}{operation}Result"
    assert headers["Content-Type"] == "application/xml"


def test_create_job_result_is_the_documented_xml():
    _, _, body = render_response("CreateJob", {"JobId": "93735294-df46-44d5-8638-6356f335324e"})
    assert body.decode().splitlines()[1] == (
        '<CreateJobResult xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">'
        "<JobId>93735294-df46-44d5-8638-6356f335324e</JobId></CreateJobResult>"
    )


@pytest.mark.parametrize("operation", ["PutJobTagging", "DeleteJobTagging"])
def test_tagging_writes_return_an_empty_body(operation):
    status, headers, body = render_response(operation, {})
    assert (status, body) == (200, b"")
    assert botocore_parse(operation, status, headers, body) == {}


def test_list_jobs_always_has_jobs():
    _, headers, body = render_response("ListJobs", {})
    assert b"<Jobs />" in body or b"<Jobs/>" in body
    assert botocore_parse("ListJobs", 200, headers, body) == {"Jobs": []}


def test_get_job_tagging_without_tags_reads_as_an_empty_list():
    _, headers, body = render_response("GetJobTagging", {"Tags": []})
    assert botocore_parse("GetJobTagging", 200, headers, body) == {"Tags": []}


def test_booleans_lists_and_renamed_members_on_the_wire():
    job = {
        "JobId": "j1",
        "ConfirmationRequired": False,
        "Report": {"Enabled": True},
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket"]}},
        "FailureReasons": [],
        "GeneratedManifestDescriptor": None,
    }
    _, _, body = render_response("DescribeJob", {"Job": job})
    text = body.decode()
    assert "<ConfirmationRequired>false</ConfirmationRequired>" in text
    assert "<Enabled>true</Enabled>" in text
    assert "<Fields><member>Bucket</member></Fields>" in text
    assert "GeneratedManifestDescriptor" not in text
    sample_job = sample("JobDescriptor", timestamp=OUTPUT_TIMESTAMP, variant=1)
    rendered = render_response("DescribeJob", {"Job": sample_job})[2].decode()
    assert "<SSE-KMS>" in rendered and "<ObjectEncryption>" in rendered


def test_datetimes_are_written_as_utc_iso_with_milliseconds():
    when = datetime(2026, 11, 24, 2, 34, 2, 123456, tzinfo=timezone.utc)
    _, headers, body = render_response("DescribeJob", {"Job": {"JobId": "j", "CreationTime": when}})
    assert b"<CreationTime>2026-11-24T02:34:02.123Z</CreationTime>" in body
    parsed = botocore_parse("DescribeJob", 200, headers, body)
    assert parsed["Job"]["CreationTime"] == "2026-11-24T02:34:02.123Z"


def test_unknown_result_keys_are_not_written():
    _, _, body = render_response("CreateJob", {"JobId": "j", "Surprise": 1})
    assert b"Surprise" not in body


@pytest.mark.parametrize(
    "error",
    [
        NotFoundException("The specified job does not exist: abcde"),
        JobStatusException("Job abcde is Complete <already> & cannot be cancelled"),
        ServiceError("custom", code="Whatever", http_status=418),
    ],
)
def test_errors_parse_as_botocore_reads_them(error):
    status, headers, body = render_error(error, "REQ123")
    assert status == error.http_status
    shape = MODEL.operation_model("DescribeJob").output_shape
    parsed = RestXMLParser().parse({"status_code": status, "headers": headers, "body": body}, shape)
    assert parsed["Error"] == {"Code": error.code, "Message": error.message}
    assert parsed["ResponseMetadata"]["RequestId"] == "REQ123"
    root = fromstring(body)
    assert root.tag == "ErrorResponse"
    assert [child.tag for child in root] == ["Error", "RequestId"]


@pytest.mark.parametrize("text", ["a<b>&c\"d'e ]]>", "", "\r\n\t é \x85"])
def test_text_is_escaped_as_elementtree_writes_it(text):
    from xml.etree.ElementTree import Element, SubElement, tostring

    root = Element("GetJobTaggingResult", xmlns=apimodel.XML_NAMESPACE)
    member = SubElement(SubElement(root, "Tags"), "member")
    SubElement(member, "Key").text = text
    SubElement(member, "Value").text = text
    _, _, body = render_response("GetJobTagging", {"Tags": [{"Key": text, "Value": text}]})
    assert body.decode().split("\n", 1)[1] == tostring(root, encoding="unicode")
