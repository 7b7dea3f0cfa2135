"""aws CLI argument syntax: file://, JSON, shorthand, lists and --cli-input-json."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3bo_cli.cli.params import (
    load_value,
    parse_cli_input_json,
    parse_list,
    parse_shorthand,
    parse_structure,
)
from s3bo_cli.errors import ExitCode, UsageError

# -- option values behind the requests in wire-requests.md ---------------------

REPORT = {
    "Bucket": "arn:aws:s3:::reports",
    "Prefix": "batch/reports",
    "Format": "Report_CSV_20180820",
    "Enabled": True,
    "ReportScope": "AllTasks",
    "ExpectedBucketOwner": "123456789012",
}
REPORT_SHORTHAND = (
    "Bucket=arn:aws:s3:::reports,Prefix=batch/reports,Format=Report_CSV_20180820,"
    "Enabled=true,ReportScope=AllTasks,ExpectedBucketOwner=123456789012"
)
MANIFEST = {
    "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key", "VersionId"]},
    "Location": {
        "ObjectArn": "arn:aws:s3:::manifests/m.csv",
        "ObjectVersionId": "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd",
        "ETag": "60e460c9d1046e73f7dde5043ac3ae85",
    },
}
MANIFEST_SHORTHAND = (
    "Spec={Format=S3BatchOperations_CSV_20180820,Fields=[Bucket,Key,VersionId]},"
    "Location={ObjectArn=arn:aws:s3:::manifests/m.csv,"
    "ObjectVersionId=3HL4kqtJlcpXroDTDmjVBH40Nrjfkd,ETag=60e460c9d1046e73f7dde5043ac3ae85}"
)
INVENTORY_MANIFEST = {
    "Spec": {"Format": "S3InventoryReport_CSV_20161130"},
    "Location": {
        "ObjectArn": "arn:aws:s3:::inv/src/config/2026-11-01T00-00Z/manifest.json",
        "ETag": "aaaabbbbccccddddeeeeffff00001111",
    },
}
KMS = "arn:aws:kms:us-east-1:123456789012:key/k"

# (shorthand, expected) for every --operation in the recorded CreateJob requests.
OPERATIONS: list[tuple[str, dict[str, Any]]] = [
    (
        "LambdaInvoke={FunctionArn=arn:aws:lambda:us-east-1:123456789012:function:f:1,"
        "InvocationSchemaVersion=2.0,UserArguments={k1=v1,k2=v2}}",
        {
            "LambdaInvoke": {
                "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f:1",
                "InvocationSchemaVersion": "2.0",
                "UserArguments": {"k1": "v1", "k2": "v2"},
            }
        },
    ),
    (
        "S3PutObjectCopy={TargetResource=arn:aws:s3:::dest,"
        "CannedAccessControlList=bucket-owner-full-control,MetadataDirective=REPLACE,"
        "ModifiedSinceConstraint=2024-01-01T00:00:00Z,NewObjectMetadata={CacheControl=max-age=60,"
        "ContentType=text/plain,UserMetadata={a=b},SSEAlgorithm=KMS},"
        "NewObjectTagging=[{Key=k,Value=v}],RedirectLocation=/x,RequesterPays=true,"
        "StorageClass=STANDARD_IA,TargetKeyPrefix=copied/,SSEAwsKmsKeyId=" + KMS + ","
        "BucketKeyEnabled=true,ObjectLockLegalHoldStatus=OFF,ObjectLockMode=GOVERNANCE,"
        "ObjectLockRetainUntilDate=2030-01-01T00:00:00Z,ChecksumAlgorithm=SHA256}",
        {
            "S3PutObjectCopy": {
                "TargetResource": "arn:aws:s3:::dest",
                "CannedAccessControlList": "bucket-owner-full-control",
                "MetadataDirective": "REPLACE",
                "ModifiedSinceConstraint": "2024-01-01T00:00:00Z",
                "NewObjectMetadata": {
                    "CacheControl": "max-age=60",
                    "ContentType": "text/plain",
                    "UserMetadata": {"a": "b"},
                    "SSEAlgorithm": "KMS",
                },
                "NewObjectTagging": [{"Key": "k", "Value": "v"}],
                "RedirectLocation": "/x",
                "RequesterPays": True,
                "StorageClass": "STANDARD_IA",
                "TargetKeyPrefix": "copied/",
                "SSEAwsKmsKeyId": KMS,
                "BucketKeyEnabled": True,
                "ObjectLockLegalHoldStatus": "OFF",
                "ObjectLockMode": "GOVERNANCE",
                "ObjectLockRetainUntilDate": "2030-01-01T00:00:00Z",
                "ChecksumAlgorithm": "SHA256",
            }
        },
    ),
    (
        "S3PutObjectAcl={AccessControlPolicy={AccessControlList={Owner={ID=o1,DisplayName=me},"
        "Grants=[{Grantee={TypeIdentifier=id,Identifier=o1,DisplayName=me},Permission=READ},"
        "{Grantee={TypeIdentifier=uri,"
        "Identifier=http://acs.amazonaws.com/groups/global/AllUsers},Permission=READ_ACP}]}}}",
        {
            "S3PutObjectAcl": {
                "AccessControlPolicy": {
                    "AccessControlList": {
                        "Owner": {"ID": "o1", "DisplayName": "me"},
                        "Grants": [
                            {
                                "Grantee": {
                                    "TypeIdentifier": "id",
                                    "Identifier": "o1",
                                    "DisplayName": "me",
                                },
                                "Permission": "READ",
                            },
                            {
                                "Grantee": {
                                    "TypeIdentifier": "uri",
                                    "Identifier": "http://acs.amazonaws.com/groups/global/AllUsers",
                                },
                                "Permission": "READ_ACP",
                            },
                        ],
                    }
                }
            }
        },
    ),
    (
        "S3PutObjectAcl={AccessControlPolicy={CannedAccessControlList=public-read}}",
        {"S3PutObjectAcl": {"AccessControlPolicy": {"CannedAccessControlList": "public-read"}}},
    ),
    (
        "S3PutObjectTagging={TagSet=[{Key=k,Value=v},{Key=empty,Value=''}]}",
        {
            "S3PutObjectTagging": {
                "TagSet": [{"Key": "k", "Value": "v"}, {"Key": "empty", "Value": ""}]
            }
        },
    ),
    ("S3PutObjectTagging={TagSet=[]}", {"S3PutObjectTagging": {"TagSet": []}}),
    ("S3DeleteObjectTagging={}", {"S3DeleteObjectTagging": {}}),
    (
        "S3InitiateRestoreObject={ExpirationInDays=5,GlacierJobTier=BULK}",
        {"S3InitiateRestoreObject": {"ExpirationInDays": 5, "GlacierJobTier": "BULK"}},
    ),
    (
        "S3PutObjectLegalHold={LegalHold={Status=ON}}",
        {"S3PutObjectLegalHold": {"LegalHold": {"Status": "ON"}}},
    ),
    (
        "S3PutObjectRetention={BypassGovernanceRetention=true,"
        "Retention={RetainUntilDate=2030-01-01T00:00:00Z,Mode=GOVERNANCE}}",
        {
            "S3PutObjectRetention": {
                "BypassGovernanceRetention": True,
                "Retention": {"RetainUntilDate": "2030-01-01T00:00:00Z", "Mode": "GOVERNANCE"},
            }
        },
    ),
    ("S3ReplicateObject={}", {"S3ReplicateObject": {}}),
    (
        "S3ComputeObjectChecksum={ChecksumAlgorithm=CRC64NVME,ChecksumType=FULL_OBJECT}",
        {
            "S3ComputeObjectChecksum": {
                "ChecksumAlgorithm": "CRC64NVME",
                "ChecksumType": "FULL_OBJECT",
            }
        },
    ),
    (
        "S3UpdateObjectEncryption={ObjectEncryption={SSEKMS={KMSKeyArn=" + KMS + ","
        "BucketKeyEnabled=true}}}",
        {
            "S3UpdateObjectEncryption": {
                "ObjectEncryption": {"SSEKMS": {"KMSKeyArn": KMS, "BucketKeyEnabled": True}}
            }
        },
    ),
]

MANIFEST_GENERATOR = {
    "S3JobManifestGenerator": {
        "ExpectedBucketOwner": "123456789012",
        "SourceBucket": "arn:aws:s3:::src",
        "EnableManifestOutput": True,
        "ManifestOutputLocation": {
            "ExpectedManifestBucketOwner": "123456789012",
            "Bucket": "arn:aws:s3:::manifests",
            "ManifestPrefix": "generated",
            "ManifestEncryption": {"SSES3": {}},
            "ManifestFormat": "S3InventoryReport_CSV_20211130",
        },
        "Filter": {
            "EligibleForReplication": True,
            "CreatedAfter": "2024-01-01T00:00:00Z",
            "CreatedBefore": "2026-01-01T00:00:00Z",
            "ObjectReplicationStatuses": ["NONE", "FAILED"],
            "KeyNameConstraint": {
                "MatchAnyPrefix": ["logs/"],
                "MatchAnySuffix": [".gz"],
                "MatchAnySubstring": ["2025"],
            },
            "ObjectSizeGreaterThanBytes": 10,
            "ObjectSizeLessThanBytes": 1048576,
            "MatchAnyStorageClass": ["STANDARD", "GLACIER"],
            "MatchAnyObjectEncryption": [
                {"SSES3": {}},
                {"SSEKMS": {"KmsKeyArn": KMS, "BucketKeyEnabled": True}},
                {"NOTSSE": {}},
            ],
        },
    }
}
MANIFEST_GENERATOR_SHORTHAND = (
    "S3JobManifestGenerator={ExpectedBucketOwner=123456789012,SourceBucket=arn:aws:s3:::src,"
    "EnableManifestOutput=true,ManifestOutputLocation={ExpectedManifestBucketOwner=123456789012,"
    "Bucket=arn:aws:s3:::manifests,ManifestPrefix=generated,ManifestEncryption={SSES3={}},"
    "ManifestFormat=S3InventoryReport_CSV_20211130},Filter={EligibleForReplication=true,"
    "CreatedAfter=2024-01-01T00:00:00Z,CreatedBefore=2026-01-01T00:00:00Z,"
    "ObjectReplicationStatuses=[NONE,FAILED],KeyNameConstraint={MatchAnyPrefix=[logs/],"
    "MatchAnySuffix=.gz,MatchAnySubstring=[2025]},ObjectSizeGreaterThanBytes=10,"
    "ObjectSizeLessThanBytes=1048576,MatchAnyStorageClass=[STANDARD,GLACIER],"
    "MatchAnyObjectEncryption=[{SSES3={}},{SSEKMS={KmsKeyArn=" + KMS + ",BucketKeyEnabled=true}},"
    "{NOTSSE={}}]}}"
)


# -- load_value ---------------------------------------------------------------


def test_load_value_passes_plain_text_through() -> None:
    assert load_value("Bucket=b") == "Bucket=b"
    assert load_value("fileb://x") == "fileb://x"


def test_load_value_reads_relative_and_absolute_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "op.json").write_text('{"S3ReplicateObject": {}}\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_value("file://op.json") == '{"S3ReplicateObject": {}}\n'
    assert load_value(f"file://{tmp_path / 'op.json'}") == '{"S3ReplicateObject": {}}\n'


def test_load_value_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(UsageError) as info:
        load_value(f"file://{missing}")
    assert str(missing) in str(info.value)
    assert info.value.exit_code == ExitCode.USAGE


def test_load_value_error_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"^Error parsing parameter '--operation': .*nope"):
        load_value(f"file://{tmp_path}/nope", option_name="--operation")


# -- structures: shorthand and JSON --------------------------------------------


def test_report_shorthand_from_the_docs() -> None:
    value = "Bucket=b,Format=Report_CSV_20180820,Enabled=true,Prefix=p"
    assert parse_structure("--report", value, "JobReport") == {
        "Bucket": "b",
        "Format": "Report_CSV_20180820",
        "Enabled": True,
        "Prefix": "p",
    }


def test_report_shorthand_disabled() -> None:
    assert parse_structure("--report", "Enabled=false", "JobReport") == {"Enabled": False}
    assert parse_structure("--report", "Enabled=FALSE", "JobReport") == {"Enabled": False}


def test_manifest_shorthand_from_the_docs() -> None:
    value = (
        "Spec={Format=S3BatchOperations_CSV_20180820,Fields=[Bucket,Key]},"
        "Location={ObjectArn=arn:aws:s3:::b/m.csv,ETag=abc}"
    )
    assert parse_structure("--manifest", value, "JobManifest") == {
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
        "Location": {"ObjectArn": "arn:aws:s3:::b/m.csv", "ETag": "abc"},
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "S3PutObjectTagging={TagSet=[{Key=a,Value=b}]}",
            {"S3PutObjectTagging": {"TagSet": [{"Key": "a", "Value": "b"}]}},
        ),
        ("S3ReplicateObject={}", {"S3ReplicateObject": {}}),
    ],
)
def test_operation_shorthand_from_the_docs(value: str, expected: dict[str, Any]) -> None:
    assert parse_structure("--operation", value, "JobOperation") == expected


@pytest.mark.parametrize(("shorthand", "expected"), OPERATIONS)
def test_recorded_operations_as_shorthand(shorthand: str, expected: dict[str, Any]) -> None:
    assert parse_structure("--operation", shorthand, "JobOperation") == expected


@pytest.mark.parametrize(("shorthand", "expected"), OPERATIONS)
def test_recorded_operations_as_json(shorthand: str, expected: dict[str, Any]) -> None:
    assert parse_structure("--operation", json.dumps(expected), "JobOperation") == expected


@pytest.mark.parametrize(
    ("option", "shape", "value", "expected"),
    [
        ("--report", "JobReport", REPORT_SHORTHAND, REPORT),
        ("--report", "JobReport", "Enabled=false", {"Enabled": False}),
        ("--manifest", "JobManifest", MANIFEST_SHORTHAND, MANIFEST),
        (
            "--manifest",
            "JobManifest",
            "Spec={Format=S3InventoryReport_CSV_20161130},Location={ObjectArn="
            "arn:aws:s3:::inv/src/config/2026-11-01T00-00Z/manifest.json,"
            "ETag=aaaabbbbccccddddeeeeffff00001111}",
            INVENTORY_MANIFEST,
        ),
        (
            "--manifest-generator",
            "JobManifestGenerator",
            MANIFEST_GENERATOR_SHORTHAND,
            MANIFEST_GENERATOR,
        ),
    ],
)
def test_recorded_structures(option: str, shape: str, value: str, expected: dict[str, Any]) -> None:
    assert parse_structure(option, value, shape) == expected
    assert parse_structure(option, json.dumps(expected, indent=2), shape) == expected


def test_json_is_taken_as_is() -> None:
    # No model conversion for JSON: types are checked by request validation.
    value = '  {"Enabled": "true", "Bucket": "b"}'
    assert parse_structure("--report", value, "JobReport") == {"Enabled": "true", "Bucket": "b"}


def test_structure_from_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "op.json").write_text('{"S3ReplicateObject": {}}', encoding="utf-8")
    (tmp_path / "report.txt").write_text("Enabled=false\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert parse_structure("--operation", "file://op.json", "JobOperation") == {
        "S3ReplicateObject": {}
    }
    assert parse_structure("--report", "file://report.txt", "JobReport") == {"Enabled": False}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Prefix='a,b',Enabled=true", {"Prefix": "a,b", "Enabled": True}),
        ('Prefix="a \\"q\\" b"', {"Prefix": 'a "q" b'}),
        ("Prefix='it\\'s'", {"Prefix": "it's"}),
        ("Prefix=a\\,b,Enabled=true", {"Prefix": "a,b", "Enabled": True}),
        ("Prefix = p , Enabled = true", {"Prefix": "p", "Enabled": True}),
        ("Prefix=", {"Prefix": ""}),
        ("Prefix=k=v", {"Prefix": "k=v"}),
    ],
)
def test_shorthand_quoting_and_escapes(value: str, expected: dict[str, Any]) -> None:
    assert parse_structure("--report", value, "JobReport") == expected


def test_lone_value_for_a_list_member_becomes_a_list() -> None:
    value = "Spec={Format=S3BatchOperations_CSV_20180820,Fields=Bucket},Location={ETag=e}"
    assert parse_structure("--manifest", value, "JobManifest")["Spec"]["Fields"] == ["Bucket"]


def test_csv_value_for_a_list_member() -> None:
    value = "S3PutObjectCopy={NewObjectTagging=[{Key=a,Value=b}],TargetKeyPrefix=x}"
    parsed = parse_structure("--operation", value, "JobOperation")
    assert parsed["S3PutObjectCopy"]["NewObjectTagging"] == [{"Key": "a", "Value": "b"}]


def test_unknown_keys_and_non_boolean_words_are_left_for_validation() -> None:
    assert parse_structure("--report", "Bogus=1,Enabled=yes", "JobReport") == {
        "Bogus": "1",
        "Enabled": "yes",
    }


def test_shorthand_value_from_file_with_at_sign(tmp_path: Path) -> None:
    path = tmp_path / "arn.txt"
    path.write_text("arn:aws:s3:::reports", encoding="utf-8")
    parsed = parse_structure("--report", f"Bucket@=file://{path},Enabled=true", "JobReport")
    assert parsed == {"Bucket": "arn:aws:s3:::reports", "Enabled": True}


# -- structure errors ----------------------------------------------------------


def test_invalid_json_message() -> None:
    with pytest.raises(UsageError) as info:
        parse_structure("--report", '{"Bucket":1"x":2}', "JobReport")
    assert str(info.value) == (
        "Error parsing parameter '--report': "
        "Invalid JSON: Expecting ',' delimiter: line 1 column 12"
    )


def test_json_list_for_a_structure() -> None:
    with pytest.raises(UsageError, match=r"^Error parsing parameter '--report': Invalid JSON"):
        parse_structure("--report", "[1]", "JobReport")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("Bucket", "Expected: '=', received: 'EOF' for input: Bucket (column 7)"),
        ("Bucket=b,,", "Expected: '=', received: 'EOF' for input: Bucket=b,, (column 11)"),
        ("Spec={Format=x", "Expected: ',', received: 'EOF'"),
        ("Spec={Fields=[a,b}", "Expected: ',', received: '}'"),
        ("Prefix='open", "Expected: '<singled quoted>', received: '<none>'"),
        ("", "Expected: '=', received: 'EOF'"),
        ("Bucket=a,Bucket=b", 'Second instance of key "Bucket"'),
    ],
)
def test_bad_shorthand(value: str, fragment: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_structure("--report", value, "JobReport")
    message = str(info.value)
    assert message.startswith("Error parsing parameter '--report': ")
    assert fragment in message
    assert "\n" not in message


def test_bad_integer_in_shorthand() -> None:
    with pytest.raises(UsageError) as info:
        parse_structure(
            "--operation", "S3InitiateRestoreObject={ExpirationInDays=abc}", "JobOperation"
        )
    assert str(info.value) == (
        "Error parsing parameter '--operation': invalid literal for int() with base 10: 'abc'"
    )


def test_multiline_file_errors_stay_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("Spec={Format=x,\nFields=[a}\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        parse_structure("--report", f"file://{path}", "JobReport")
    assert "\n" not in str(info.value)


# -- lists ----------------------------------------------------------------------


def test_tags_shorthand_items() -> None:
    assert parse_list("--tags", ("Key=a,Value=b", "Key=c,Value=d"), "S3TagSet") == [
        {"Key": "a", "Value": "b"},
        {"Key": "c", "Value": "d"},
    ]


def test_tags_json_list() -> None:
    assert parse_list("--tags", ('[{"Key":"a","Value":"b"}]',), "S3TagSet") == [
        {"Key": "a", "Value": "b"}
    ]


def test_recorded_tags() -> None:
    # create-job: team=data, env=dev; put-job-tagging: a=1, b='' and an empty set.
    assert parse_list("--tags", ("Key=team,Value=data", "Key=env,Value=dev"), "S3TagSet") == [
        {"Key": "team", "Value": "data"},
        {"Key": "env", "Value": "dev"},
    ]
    assert parse_list("--tags", ("Key=a,Value=1", "Key=b,Value="), "S3TagSet") == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": ""},
    ]
    assert parse_list("--tags", ("[]",), "S3TagSet") == []


def test_tags_as_json_objects() -> None:
    values = ('{"Key": "a", "Value": "b"}', '{"Key": "c", "Value": "d"}')
    assert parse_list("--tags", values, "S3TagSet") == [
        {"Key": "a", "Value": "b"},
        {"Key": "c", "Value": "d"},
    ]


def test_job_statuses_plain_and_json() -> None:
    assert parse_list("--job-statuses", ("Active", "Complete"), "JobStatusList") == [
        "Active",
        "Complete",
    ]
    assert parse_list("--job-statuses", ('["Active","Complete"]',), "JobStatusList") == [
        "Active",
        "Complete",
    ]
    # Recorded: ?jobStatuses=Active&jobStatuses=Suspended
    assert parse_list("--job-statuses", ("Active", "Suspended"), "JobStatusList") == [
        "Active",
        "Suspended",
    ]
    # Enums are not checked here (the aws CLI sends Bogus as is).
    assert parse_list("--job-statuses", ("Bogus",), "JobStatusList") == ["Bogus"]


def test_list_from_file(tmp_path: Path) -> None:
    path = tmp_path / "tags.json"
    path.write_text('[{"Key": "a", "Value": "b"}]', encoding="utf-8")
    assert parse_list("--tags", (f"file://{path}",), "S3TagSet") == [{"Key": "a", "Value": "b"}]


def test_empty_list() -> None:
    assert parse_list("--tags", (), "S3TagSet") == []


def test_list_errors() -> None:
    with pytest.raises(UsageError, match=r"^Error parsing parameter '--tags': Invalid JSON: "):
        parse_list("--tags", ('[{"Key": "a",]',), "S3TagSet")
    with pytest.raises(UsageError, match=r"^Error parsing parameter '--tags': Expected: '='"):
        parse_list("--tags", ("Key=a,Value=b", "Key"), "S3TagSet")


# -- --cli-input-json -------------------------------------------------------------


def test_cli_input_json_inline_and_file(tmp_path: Path) -> None:
    text = '{"AccountId": "123456789012", "Priority": 10}'
    assert parse_cli_input_json(text) == {"AccountId": "123456789012", "Priority": 10}
    path = tmp_path / "in.json"
    path.write_text(text, encoding="utf-8")
    assert parse_cli_input_json(f"file://{path}") == {"AccountId": "123456789012", "Priority": 10}


@pytest.mark.parametrize("text", ['["a"]', "{nope", "", "3"])
def test_cli_input_json_errors(text: str) -> None:
    with pytest.raises(UsageError, match=r"^Error parsing parameter '--cli-input-json': "):
        parse_cli_input_json(text)


# -- agreement with the aws CLI's own parser --------------------------------------


_AWS_SHORTHAND = """
import json, sys
from awscli.shorthand import BackCompatVisitor, ShorthandParseError, ShorthandParser
import botocore.session
model = botocore.session.get_session().get_service_model("s3control")
out = []
for text, shape in json.load(sys.stdin):
    try:
        parsed = ShorthandParser().parse(text)
    except ShorthandParseError:
        out.append("error")
        continue
    if shape:
        BackCompatVisitor().visit(parsed, model.shape_for(shape))
    out.append(parsed)
json.dump(out, sys.stdout)
"""


def aws_cli(pairs: list[tuple[str, str | None]]) -> list[Any]:
    """The aws CLI's parse of each (text, shape), run apart: awscli swaps in its own botocore."""
    if importlib.util.find_spec("awscli") is None:
        pytest.skip("awscli is not installed")
    proc = subprocess.run(
        [sys.executable, "-c", _AWS_SHORTHAND],
        input=json.dumps(pairs),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(proc.stdout)


def _our_parse(text: str) -> Any:
    try:
        return parse_shorthand(text)
    except ValueError:
        return "error"


@settings(max_examples=6, deadline=None)
@given(st.lists(st.text(alphabet="ab=,{}[]'\" \\\t:/", max_size=24), min_size=100, max_size=200))
def test_shorthand_grammar_matches_aws_cli(texts: list[str]) -> None:
    expected = aws_cli([(text, None) for text in texts])
    for text, aws in zip(texts, expected, strict=True):
        assert _our_parse(text) == aws, text


def test_model_conversion_matches_aws_cli() -> None:
    cases = [
        ("--report", "JobReport", REPORT_SHORTHAND),
        ("--report", "JobReport", "Enabled=FALSE,Bogus=1"),
        ("--manifest", "JobManifest", MANIFEST_SHORTHAND),
        ("--manifest", "JobManifest", "Spec={Format=f,Fields=Bucket},Location={ETag=e}"),
        ("--manifest-generator", "JobManifestGenerator", MANIFEST_GENERATOR_SHORTHAND),
        *(("--operation", "JobOperation", shorthand) for shorthand, _ in OPERATIONS),
    ]
    expected = aws_cli([(value, shape) for _, shape, value in cases])
    assert [parse_structure(option, value, shape) for option, shape, value in cases] == expected
