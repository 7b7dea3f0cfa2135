"""The eight job commands on the local backend: shapes, rules, errors, exit codes."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from s3bo_cli.validation import shape_problems
from tests.conftest import ACCOUNT, ROLE, create_args, manifest_arg

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def assert_shape(shape: str, value: object) -> None:
    assert shape_problems(shape, value) == []


class TestCreateJob:
    def test_returns_a_uuid_job_id_in_the_boto3_shape(self, s3bo):
        run = s3bo(*create_args())
        assert run.exit_code == 0, run
        assert list(run.json) == ["JobId"]
        assert UUID_RE.match(run.json["JobId"])
        assert_shape("CreateJobResult", run.json)

    def test_describe_job_records_the_request(self, s3bo, make_job):
        job_id = make_job("--description", "demo job", "--no-confirmation-required")
        job = s3bo("describe-job", "--job-id", job_id).json["Job"]
        assert_shape("DescribeJobResult", {"Job": job})
        assert job["JobId"] == job_id
        assert job["JobArn"] == f"arn:aws:s3:us-east-1:{ACCOUNT}:job/{job_id}"
        assert job["Status"] == "New"
        assert job["Priority"] == 10
        assert job["Description"] == "demo job"
        assert job["ConfirmationRequired"] is False
        assert job["RoleArn"] == ROLE
        assert job["Operation"] == {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}
        assert job["Manifest"] == json.loads(manifest_arg())
        assert job["Report"] == {"Enabled": False}
        assert job["FailureReasons"] == []
        assert job["ProgressSummary"]["TotalNumberOfTasks"] == 0
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", job["CreationTime"])

    def test_confirmation_required_when_neither_flag_is_given(self, s3bo, make_job):
        job = s3bo("describe-job", "--job-id", make_job()).json["Job"]
        assert job["ConfirmationRequired"] is True

    def test_shorthand_structures_and_tags(self, s3bo):
        run = s3bo(
            "create-job",
            "--operation",
            "S3PutObjectTagging={TagSet=[{Key=a,Value=b}]}",
            "--manifest",
            "Spec={Format=S3BatchOperations_CSV_20180820,Fields=[Bucket,Key]},"
            "Location={ObjectArn=arn:aws:s3:::photos/m.csv,ETag=abc}",
            "--report",
            "Bucket=arn:aws:s3:::reports,Format=Report_CSV_20180820,"
            "Enabled=true,Prefix=out,ReportScope=AllTasks",
            "--priority",
            "5",
            "--role-arn",
            ROLE,
            "--tags",
            "Key=team,Value=data",
            "Key=env,Value=dev",
        )
        assert run.exit_code == 0, run
        job_id = run.json["JobId"]
        job = s3bo("describe-job", "--job-id", job_id).json["Job"]
        assert job["Report"]["Enabled"] is True
        assert job["Report"]["Prefix"] == "out"
        tags = s3bo("get-job-tagging", "--job-id", job_id).json
        assert tags == {"Tags": [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}]}

    def test_file_and_cli_input_json_with_options_winning(self, s3bo, tmp_path):
        request = {
            "Operation": {"S3DeleteObjectTagging": {}},
            "Manifest": json.loads(manifest_arg()),
            "Report": {"Enabled": False},
            "Priority": 10,
            "RoleArn": ROLE,
        }
        path = tmp_path / "in.json"
        path.write_text(json.dumps(request))
        op = tmp_path / "op.json"
        op.write_text('{"S3PutObjectTagging": {"TagSet": []}}')
        run = s3bo(
            "create-job",
            "--cli-input-json",
            f"file://{path}",
            "--priority",
            "99",
            "--operation",
            f"file://{op}",
        )
        assert run.exit_code == 0, run
        job = s3bo("describe-job", "--job-id", run.json["JobId"]).json["Job"]
        assert job["Priority"] == 99
        assert job["Operation"] == {"S3PutObjectTagging": {"TagSet": []}}

    def test_same_token_same_request_is_the_same_job(self, s3bo):
        first = s3bo(*create_args("--client-request-token", "tok-1"))
        second = s3bo(*create_args("--client-request-token", "tok-1"))
        assert first.json == second.json
        assert len(s3bo("list-jobs").json["Jobs"]) == 1

    def test_same_token_other_request_is_an_idempotency_error(self, s3bo, state_dir):
        s3bo(*create_args("--client-request-token", "tok-1"))
        before = sorted(p.relative_to(state_dir) for p in state_dir.rglob("*.json"))
        run = s3bo(*create_args("--client-request-token", "tok-1", priority=11))
        assert run.exit_code == 254
        assert "(IdempotencyException) when calling the CreateJob operation" in run.stderr
        assert sorted(p.relative_to(state_dir) for p in state_dir.rglob("*.json")) == before


# Each rule: the arguments that break it, the exit code, and text the error names.
INVALID_CREATE = [
    pytest.param(["--account-id", "1234"], 254, "AccountId", id="account-not-12-digits"),
    pytest.param(["--role-arn", "arn:aws:iam::12:user/x"], 254, "RoleArn", id="role-arn-pattern"),
    pytest.param(["--priority", "-1"], 252, "Priority", id="priority-below-0"),
    pytest.param(["--priority", "2147483648"], 254, "Priority", id="priority-above-max"),
    pytest.param(["--priority", "abc"], 252, "priority", id="priority-not-int"),
    pytest.param(
        ["--operation", '{"S3PutObjectTagging": {"TagSet": []}, "S3DeleteObjectTagging": {}}'],
        254,
        "Exactly one operation",
        id="two-operations",
    ),
    pytest.param(["--operation", "{}"], 254, "Exactly one operation", id="no-operation"),
    pytest.param(["--operation", '{"S3Bogus": {}}'], 252, "S3Bogus", id="unknown-operation"),
    pytest.param(["--report", "Enabled=true"], 254, "Report.Bucket", id="report-without-bucket"),
    pytest.param(["--report", "{}"], 252, '"Enabled"', id="report-without-enabled"),
    pytest.param(
        ["--report", "Bucket=reports,Format=Report_CSV_20180820,Enabled=true"],
        254,
        "Report.Bucket",
        id="report-bucket-not-arn",
    ),
    pytest.param(["--description", "x" * 257], 254, "Description", id="description-too-long"),
    pytest.param(
        ["--tags", *[f"Key=k{i},Value=v" for i in range(51)]], 254, "at most 50", id="51-tags"
    ),
    pytest.param(
        ["--tags", "Key=a,Value=1", "Key=a,Value=2"], 254, "Duplicate tag key", id="dup-tag-keys"
    ),
    pytest.param(["--tags", "Key=a*b,Value=1"], 254, "Key", id="tag-key-pattern"),
    pytest.param(["--tags", f"Key={'k' * 129},Value=1"], 254, "Key", id="tag-key-too-long"),
    pytest.param(
        ["--manifest", manifest_arg().replace('"Bucket", ', "")],
        254,
        "Bucket",
        id="fields-no-bucket",
    ),
    pytest.param(
        ["--manifest", manifest_arg().replace("arn:aws:s3:::photos/manifest.csv", "photos")],
        254,
        "ObjectArn",
        id="manifest-arn",
    ),
    pytest.param(
        [
            "--manifest-generator",
            '{"S3JobManifestGenerator": {"SourceBucket": "arn:aws:s3:::b",'
            ' "EnableManifestOutput": false}}',
        ],
        254,
        "not both",
        id="manifest-and-generator",
    ),
    pytest.param(["--operation", "{not json"], 252, "--operation", id="bad-json"),
    pytest.param(
        ["--operation", '{"LambdaInvoke": {"FunctionArn": "f", "UserArguments": {"a": "b"}}}'],
        254,
        "2.0",
        id="user-arguments-need-schema-2",
    ),
    pytest.param(["--client-request-token", ""], 252, "ClientRequestToken", id="empty-token"),
]


@pytest.mark.parametrize(("extra", "code", "text"), INVALID_CREATE)
def test_create_job_rejects_invalid_requests(s3bo, state_dir, extra, code, text):
    run = s3bo(*create_args(*extra))
    assert run.exit_code == code, run
    assert text in run.stderr
    assert run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert not (state_dir / "accounts").exists() or not list(state_dir.rglob("job.json"))


def test_create_job_without_a_manifest_or_generator(s3bo):
    args = create_args()
    i = args.index("--manifest")
    del args[i : i + 2]
    run = s3bo(*args)
    assert run.exit_code == 254
    assert "Either a Manifest or a ManifestGenerator" in run.stderr


def test_create_job_missing_required_options(s3bo):
    run = s3bo("create-job", "--operation", "S3DeleteObjectTagging={}")
    assert run.exit_code == 252
    assert "--report, --priority, --role-arn" in run.stderr


class TestListJobs:
    def test_newest_first_in_the_list_descriptor_shape(self, s3bo, make_job):
        ids = [make_job() for _ in range(3)]
        result = s3bo("list-jobs").json
        assert_shape("ListJobsResult", result)
        assert [j["JobId"] for j in result["Jobs"]] == ids[::-1]
        first = result["Jobs"][0]
        assert set(first) <= {
            "JobId",
            "Description",
            "Operation",
            "Priority",
            "Status",
            "CreationTime",
            "TerminationDate",
            "ProgressSummary",
        }
        assert first["Operation"] == "S3PutObjectTagging"

    def test_paging_with_max_results_and_next_token(self, s3bo, make_job):
        ids = [make_job() for _ in range(5)][::-1]
        seen, token = [], None
        while True:
            args = ["list-jobs", "--max-results", "2"]
            if token:
                args += ["--next-token", token]
            page = s3bo(*args).json
            assert len(page["Jobs"]) <= 2
            seen += [j["JobId"] for j in page["Jobs"]]
            token = page.get("NextToken")
            if not token:
                break
        assert seen == ids

    def test_status_filter(self, s3bo, make_job):
        keep, cancel = make_job(), make_job()
        s3bo("update-job-status", "--job-id", cancel, "--requested-job-status", "Cancelled")
        for args, expected in [
            (["--job-statuses", "Cancelled"], [cancel]),
            (["--job-statuses", "New"], [keep]),
            (["--job-statuses", "New", "Cancelled"], [cancel, keep]),
            (["--job-statuses", '["Cancelled", "New"]'], [cancel, keep]),
            (["--job-statuses", "Active"], []),
        ]:
            jobs = s3bo("list-jobs", *args).json["Jobs"]
            assert [j["JobId"] for j in jobs] == expected, args

    def test_empty_list_has_a_jobs_member(self, s3bo):
        assert s3bo("list-jobs").json == {"Jobs": []}

    @pytest.mark.parametrize(
        ("args", "code", "text"),
        [
            (["--next-token", "garbage!!"], 254, "InvalidRequestException"),
            (["--next-token", "not-a-real-token"], 254, "InvalidNextTokenException"),
            (["--next-token", "Zm9v"], 254, "InvalidNextTokenException"),
            (["--max-results", "1001"], 254, "InvalidRequestException"),
            (["--job-statuses", "Bogus"], 252, "Invalid value for '--job-statuses'"),
        ],
    )
    def test_invalid_requests(self, s3bo, args, code, text):
        run = s3bo("list-jobs", *args)
        assert run.exit_code == code, run
        assert text in run.stderr

    def test_accounts_and_regions_are_separate(self, s3bo, make_job):
        make_job()
        assert s3bo("list-jobs", "--account-id", "210987654321").json == {"Jobs": []}
        assert s3bo("--region", "eu-west-1", "list-jobs").json == {"Jobs": []}
        assert len(s3bo("list-jobs").json["Jobs"]) == 1


class TestUpdates:
    def test_update_job_priority(self, s3bo, make_job):
        job_id = make_job()
        run = s3bo("update-job-priority", "--job-id", job_id, "--priority", "52")
        assert run.json == {"JobId": job_id, "Priority": 52}
        assert_shape("UpdateJobPriorityResult", run.json)
        assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Priority"] == 52

    def test_cancel_a_new_job(self, s3bo, make_job):
        job_id = make_job()
        run = s3bo(
            "update-job-status",
            "--job-id",
            job_id,
            "--requested-job-status",
            "Cancelled",
            "--status-update-reason",
            "wrong manifest",
        )
        assert run.exit_code == 0, run
        assert run.json == {
            "JobId": job_id,
            "Status": "Cancelled",
            "StatusUpdateReason": "wrong manifest",
        }
        job = s3bo("describe-job", "--job-id", job_id).json["Job"]
        assert job["Status"] == "Cancelled"
        assert job["StatusUpdateReason"] == "wrong manifest"
        assert job["TerminationDate"] >= job["CreationTime"]

    def test_cancelling_twice_is_a_job_status_error(self, s3bo, make_job):
        job_id = make_job()
        s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")
        run = s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")
        assert run.exit_code == 254
        assert run.stderr.startswith(
            "An error occurred (JobStatusException) when calling the UpdateJobStatus operation:"
        )

    def test_ready_only_from_suspended(self, s3bo, make_job):
        job_id = make_job()
        run = s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Ready")
        assert run.exit_code == 254
        assert "JobStatusException" in run.stderr
        assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"] == "New"

    def test_unknown_requested_status_is_a_usage_error(self, s3bo, make_job):
        run = s3bo("update-job-status", "--job-id", make_job(), "--requested-job-status", "Bogus")
        assert run.exit_code == 252


class TestTagging:
    def test_put_get_delete(self, s3bo, make_job):
        job_id = make_job()
        run = s3bo("put-job-tagging", "--job-id", job_id, "--tags", "Key=a,Value=1", "Key=b,Value=")
        assert run.exit_code == 0 and run.stdout == ""
        assert s3bo("get-job-tagging", "--job-id", job_id).json == {
            "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}]
        }
        s3bo("put-job-tagging", "--job-id", job_id, "--tags", '[{"Key": "c", "Value": "3"}]')
        assert s3bo("get-job-tagging", "--job-id", job_id).json == {
            "Tags": [{"Key": "c", "Value": "3"}]
        }
        run = s3bo("delete-job-tagging", "--job-id", job_id)
        assert run.exit_code == 0 and run.stdout == ""
        assert s3bo("get-job-tagging", "--job-id", job_id).json == {"Tags": []}

    def test_too_many_tags(self, s3bo, make_job):
        job_id = make_job()
        tags = json.dumps([{"Key": f"k{i}", "Value": "v"} for i in range(51)])
        run = s3bo("put-job-tagging", "--job-id", job_id, "--tags", tags)
        assert run.exit_code == 254
        assert "(TooManyTagsException)" in run.stderr
        assert s3bo("get-job-tagging", "--job-id", job_id).json == {"Tags": []}


@pytest.mark.parametrize(
    "command",
    [
        ["describe-job"],
        ["update-job-priority", "--priority", "1"],
        ["update-job-status", "--requested-job-status", "Cancelled"],
        ["get-job-tagging"],
        ["put-job-tagging", "--tags", "Key=a,Value=b"],
        ["delete-job-tagging"],
    ],
)
def test_unknown_job_is_not_found(s3bo, command):
    run = s3bo(*command, "--job-id", str(uuid.uuid4()))
    assert run.exit_code == 254
    assert "(NotFoundException)" in run.stderr


def test_short_job_id_is_a_parameter_error(s3bo):
    run = s3bo("describe-job", "--job-id", "abc")
    assert run.exit_code == 252
    assert "Invalid length for parameter JobId, value: 3, valid min length: 5" in run.stderr


def test_query_and_text_output(s3bo, make_job):
    job_id = make_job()
    run = s3bo("--output", "text", "--query", "Job.Status", "describe-job", "--job-id", job_id)
    assert run.stdout == "New\n"
    run = s3bo("--query", "Jobs[].JobId", "list-jobs")
    assert run.json == [job_id]


def test_account_id_from_environment_and_config(s3bo, make_job, tmp_path, monkeypatch):
    monkeypatch.setenv("S3BO_ACCOUNT_ID", "111122223333")
    job_id = make_job()
    assert ":111122223333:job/" in s3bo("describe-job", "--job-id", job_id).json["Job"]["JobArn"]
    monkeypatch.delenv("S3BO_ACCOUNT_ID")
    assert s3bo("configure", "set", "account_id", "444455556666").exit_code == 0
    job_id = make_job()
    assert ":444455556666:job/" in s3bo("describe-job", "--job-id", job_id).json["Job"]["JobArn"]


def test_nested_members_come_back_in_the_services_order(s3bo):
    run = s3bo(
        *create_args(
            "--operation", '{"S3PutObjectTagging": {"TagSet": [{"Value": "v", "Key": "k"}]}}',
            "--report", "Enabled=true,Bucket=arn:aws:s3:::r,Format=Report_CSV_20180820",
            "--manifest",
            '{"Location": {"ETag": "e", "ObjectArn": "arn:aws:s3:::b/m.csv"},'
            ' "Spec": {"Fields": ["Bucket", "Key"], "Format": "S3BatchOperations_CSV_20180820"}}',
            "--no-lint",
        )
    )  # fmt: skip
    job = s3bo("describe-job", "--job-id", run.json["JobId"]).json["Job"]
    assert list(job["Report"]) == ["Bucket", "Format", "Enabled"]
    assert list(job["Manifest"]) == ["Spec", "Location"]
    assert list(job["Manifest"]["Location"]) == ["ObjectArn", "ETag"]
    assert list(job["Operation"]["S3PutObjectTagging"]["TagSet"][0]) == ["Key", "Value"]


@pytest.mark.parametrize("account", ["", "a b", "-12", "x" * 64])
def test_an_account_id_that_is_no_host_label_is_refused(s3bo, account):
    """As the aws CLI does: the endpoint rules refuse it before anything is sent."""
    for command in (["list-jobs"], create_args()):
        run = s3bo(*command, "--account-id", account)
        assert run.exit_code == 255, run
        assert "AccountId must only contain" in run.stderr and run.stdout == ""
    assert s3bo("list-jobs").json == {"Jobs": []}  # nothing was created anywhere
