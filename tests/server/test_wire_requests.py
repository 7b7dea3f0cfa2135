"""parse_request: HTTP requests to the boto3 params they were serialized from."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import botocore.session
import pytest
from botocore.awsrequest import prepare_request_dict
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from s3bo_cli.errors import BadRequestException, InvalidRequestException, ServiceError
from s3bo_cli.server.wire import MAX_BODY_BYTES, parse_request
from tests.server.conftest import ACCOUNT, wire_requests
from tests.server.modelvalues import INPUT_TIMESTAMP, sample

ENDPOINT = "http://s3control.local"  # botocore adds the {AccountId}. host prefix
JOB = "6f1d2e3c-0000-4000-8000-00000000abcd"
NS = 'xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"'
MODEL = botocore.session.get_session().get_service_model("s3control")
RECORDED = wire_requests()


def parse(method: str, target: str, body: str | bytes = b"", **headers: str) -> tuple[str, dict]:
    parts = urlsplit(target)
    raw = body.encode() if isinstance(body, str) else body
    all_headers = {"x-amz-account-id": ACCOUNT, **headers}
    query = parse_qs(parts.query, keep_blank_values=True)
    return parse_request(method, parts.path, query, all_headers, raw)


def botocore_request(
    operation: str, params: dict[str, Any], *, validate: bool = True
) -> dict[str, Any]:
    """What botocore itself sends for ``params``: url, headers and body."""
    serializer = create_serializer("rest-xml", include_validation=validate)
    request = serializer.serialize_to_request(params, MODEL.operation_model(operation))
    prepare_request_dict(request, endpoint_url=ENDPOINT)
    return request


def body_text(request: dict[str, Any]) -> str:
    body = request["body"]
    return body.decode() if isinstance(body, bytes) else body or ""


@pytest.mark.parametrize(
    "recorded",
    RECORDED,
    ids=[f"{i}-{r['method']}-{urlsplit(r['target']).path[11:]}" for i, r in enumerate(RECORDED)],
)
def test_recorded_aws_cli_request_round_trips_through_botocore(recorded):
    operation, params = parse(recorded["method"], recorded["target"], recorded.get("body") or "")
    report = ParamValidator().validate(params, MODEL.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()
    again = botocore_request(operation, params)
    assert again["method"] == recorded["method"]
    assert again["url"] == recorded["target"]
    assert again["headers"]["x-amz-account-id"] == recorded["headers"]["x-amz-account-id"]
    if recorded.get("body"):
        assert body_text(again) == recorded["body"]  # byte for byte, element order kept
    else:
        assert not body_text(again)


def test_recorded_lambda_invoke_request_parses_to_these_params():
    lambda_line = next(r for r in RECORDED if "<LambdaInvoke>" in (r.get("body") or ""))
    operation, params = parse("POST", lambda_line["target"], lambda_line["body"])
    assert operation == "CreateJob"
    assert params == {
        "AccountId": ACCOUNT,
        "ConfirmationRequired": False,
        "Operation": {
            "LambdaInvoke": {
                "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f:1",
                "InvocationSchemaVersion": "2.0",
                "UserArguments": {"k1": "v1", "k2": "v2"},
            }
        },
        "Report": {
            "Bucket": "arn:aws:s3:::reports",
            "Prefix": "batch/reports",
            "Format": "Report_CSV_20180820",
            "Enabled": True,
            "ReportScope": "AllTasks",
            "ExpectedBucketOwner": ACCOUNT,
        },
        "ClientRequestToken": "tok-1",
        "Manifest": {
            "Spec": {
                "Format": "S3BatchOperations_CSV_20180820",
                "Fields": ["Bucket", "Key", "VersionId"],
            },
            "Location": {
                "ObjectArn": "arn:aws:s3:::manifests/m.csv",
                "ObjectVersionId": "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd",
                "ETag": "60e460c9d1046e73f7dde5043ac3ae85",
            },
        },
        "Description": "wire sample LambdaInvoke",
        "Priority": 10,
        "RoleArn": "arn:aws:iam::123456789012:role/batch-ops",
        "Tags": [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}],
    }


def test_copy_request_keeps_types_and_timestamps_as_iso_strings():
    line = next(r for r in RECORDED if "<S3PutObjectCopy>" in (r.get("body") or ""))
    _, params = parse("POST", line["target"], line["body"])
    copy = params["Operation"]["S3PutObjectCopy"]
    assert copy["ModifiedSinceConstraint"] == "2024-01-01T00:00:00Z"
    assert copy["ObjectLockRetainUntilDate"] == "2030-01-01T00:00:00Z"
    assert copy["RequesterPays"] is True and copy["BucketKeyEnabled"] is True
    assert copy["NewObjectMetadata"]["UserMetadata"] == {"a": "b"}
    assert copy["NewObjectTagging"] == [{"Key": "k", "Value": "v"}]


@pytest.mark.parametrize(
    ("method", "target", "expected"),
    [
        ("GET", f"/v20180820/jobs/{JOB}", ("DescribeJob", {"JobId": JOB})),
        ("GET", "/v20180820/jobs/a%2Fb%20c", ("DescribeJob", {"JobId": "a/b c"})),
        ("GET", "/v20180820/jobs", ("ListJobs", {})),
        (
            "GET",
            "/v20180820/jobs?jobStatuses=Active&jobStatuses=Complete&maxResults=5&nextToken=t%2B1",
            (
                "ListJobs",
                {"JobStatuses": ["Active", "Complete"], "MaxResults": 5, "NextToken": "t+1"},
            ),
        ),
        ("GET", "/v20180820/jobs?jobStatuses=Failed", ("ListJobs", {"JobStatuses": ["Failed"]})),
        (
            "POST",
            f"/v20180820/jobs/{JOB}/priority?priority=99",
            ("UpdateJobPriority", {"JobId": JOB, "Priority": 99}),
        ),
        (
            "POST",
            f"/v20180820/jobs/{JOB}/status?requestedJobStatus=Cancelled"
            "&statusUpdateReason=no%20longer%20needed%2C%20%2342%20%26%20co",
            (
                "UpdateJobStatus",
                {
                    "JobId": JOB,
                    "RequestedJobStatus": "Cancelled",
                    "StatusUpdateReason": "no longer needed, #42 & co",
                },
            ),
        ),
        ("GET", f"/v20180820/jobs/{JOB}/tagging", ("GetJobTagging", {"JobId": JOB})),
        ("DELETE", f"/v20180820/jobs/{JOB}/tagging", ("DeleteJobTagging", {"JobId": JOB})),
    ],
)
def test_uri_labels_and_query_members(method, target, expected):
    operation, params = parse(method, target)
    assert (operation, params) == (expected[0], {"AccountId": ACCOUNT, **expected[1]})


def test_put_job_tagging_with_an_empty_tag_set_means_no_tags():
    body = f"<PutJobTaggingRequest {NS}><Tags /></PutJobTaggingRequest>"
    assert parse("PUT", f"/v20180820/jobs/{JOB}/tagging", body)[1]["Tags"] == []


def test_account_id_falls_back_to_the_host_prefix():
    def params(host: str) -> dict:
        return parse_request("GET", "/v20180820/jobs", {}, {"Host": host}, b"")[1]

    assert params(f"{ACCOUNT}.localhost:8484") == {"AccountId": ACCOUNT}
    assert params("127.0.0.1:8484") == {}
    assert params("localhost:8484") == {}


@pytest.mark.parametrize("variant", range(5))
@pytest.mark.parametrize("operation", ["CreateJob", "PutJobTagging"])
def test_every_member_of_the_input_shape_round_trips(operation, variant):
    """Every body member, including renamed ones (SSE-KMS, ObjectEncryption), both ways."""
    shape_name = MODEL.operation_model(operation).input_shape.name
    params = sample(shape_name, timestamp=INPUT_TIMESTAMP, variant=variant)
    params["AccountId"] = ACCOUNT
    if operation == "PutJobTagging":
        params["JobId"] = JOB
    request = botocore_request(operation, params, validate=False)  # ARNs are placeholders
    body = body_text(request)
    if operation == "CreateJob":
        assert "<ObjectEncryption>" in body
        assert "<SSE-KMS>" in body or variant not in (0, 1)
    parts = urlsplit(request["url"])
    got = parse_request(
        request["method"], parts.path, parse_qs(parts.query), request["headers"], body.encode()
    )
    assert got == (operation, params)


xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@settings(max_examples=60, deadline=None)
@given(tags=st.lists(st.fixed_dictionaries({"Key": xml_text, "Value": xml_text}), max_size=4))
def test_any_printable_tag_text_round_trips(tags):
    params = {"AccountId": ACCOUNT, "JobId": JOB, "Tags": tags}
    request = botocore_request("PutJobTagging", params, validate=False)
    parts = urlsplit(request["url"])
    got = parse_request("PUT", parts.path, {}, request["headers"], body_text(request).encode())
    assert got == ("PutJobTagging", params)


# -- refusals -------------------------------------------------------------------

CREATE = "/v20180820/jobs"


@pytest.mark.parametrize(
    "body",
    [
        "<CreateJobRequest><Priority>1</Priority>",
        "not xml at all",
        f"<CreateJobRequest {NS}><Priority>1</Priority></CreateJob>",
    ],
)
def test_malformed_xml_is_a_bad_request(body):
    with pytest.raises(BadRequestException, match="not well-formed"):
        parse("POST", CREATE, body)


def test_entity_expansion_is_refused():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f"<CreateJobRequest {NS}><Description>&lol2;</Description></CreateJobRequest>"
    )
    with pytest.raises(BadRequestException, match="DTDs or entities"):
        parse("POST", CREATE, bomb)


def test_external_entity_is_refused():
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f"<CreateJobRequest {NS}><Description>&x;</Description></CreateJobRequest>"
    )
    with pytest.raises(BadRequestException, match="DTDs or entities"):
        parse("POST", CREATE, xxe)


def test_oversize_body_is_refused():
    body = f"<CreateJobRequest {NS}><Description>" + "x" * MAX_BODY_BYTES + "</Description>"
    with pytest.raises(BadRequestException, match="exceeds"):
        parse("POST", CREATE, body + "</CreateJobRequest>")


def test_wrong_root_element_is_refused():
    with pytest.raises(BadRequestException, match="CreateJobRequest"):
        parse("POST", CREATE, f"<PutJobTaggingRequest {NS}/>")


def test_non_integer_priority_is_a_bad_request():
    with pytest.raises(BadRequestException, match="'abc' at 'priority'"):
        parse("POST", f"/v20180820/jobs/{JOB}/priority?priority=abc")
    with pytest.raises(BadRequestException, match="Priority"):
        parse("POST", CREATE, f"<CreateJobRequest {NS}><Priority>hi</Priority></CreateJobRequest>")


def test_list_jobs_reports_bad_input_with_its_own_exception():
    with pytest.raises(InvalidRequestException, match="maxResults"):
        parse("GET", "/v20180820/jobs?maxResults=many")


def test_non_boolean_is_a_bad_request():
    flag = "<ConfirmationRequired>yes</ConfirmationRequired>"
    body = f"<CreateJobRequest {NS}>{flag}</CreateJobRequest>"
    with pytest.raises(BadRequestException, match="true or false"):
        parse("POST", CREATE, body)


@pytest.mark.parametrize(
    ("method", "target", "code", "status"),
    [
        ("GET", "/", "UnknownOperationException", 404),
        ("GET", "/v20180820/nothing-here", "UnknownOperationException", 404),
        ("GET", f"/v20180820/jobs/{JOB}/priority", "MethodNotAllowed", 405),
        ("PATCH", "/v20180820/jobs", "MethodNotAllowed", 405),
        ("GET", "/v20180820/accesspoint/ap1", "NotImplemented", 501),
    ],
)
def test_unknown_routes(method, target, code, status):
    with pytest.raises(ServiceError) as caught:
        parse(method, target)
    assert (caught.value.code, caught.value.http_status) == (code, status)


def test_method_not_allowed_names_the_allowed_methods():
    with pytest.raises(ServiceError) as caught:
        parse("POST", f"/v20180820/jobs/{JOB}/tagging")
    assert caught.value.allow == ["DELETE", "GET", "PUT"]


def test_unknown_elements_are_ignored():
    body = f"<CreateJobRequest {NS}><Bogus>1</Bogus><Priority>3</Priority></CreateJobRequest>"
    assert parse("POST", CREATE, body)[1] == {"AccountId": ACCOUNT, "Priority": 3}
