"""--cli-input-json and --generate-cli-skeleton on every job command, as on the aws CLI."""

from __future__ import annotations

import json

import pytest


def test_skeletons_are_the_requests_members(s3bo):
    run = s3bo("update-job-status", "--generate-cli-skeleton")
    assert run.exit_code == 0
    assert run.json == {
        "AccountId": "",
        "JobId": "",
        "RequestedJobStatus": "Cancelled",
        "StatusUpdateReason": "",
    }
    assert s3bo("update-job-priority", "--generate-cli-skeleton", "output").json == {
        "JobId": "JobId",
        "Priority": 0,
    }
    create = s3bo("create-job", "--generate-cli-skeleton").json
    assert create["Operation"]["S3PutObjectTagging"] == {"TagSet": [{"Key": "", "Value": ""}]}
    assert create["ConfirmationRequired"] is True


@pytest.mark.parametrize(
    "command",
    [
        "create-job", "describe-job", "list-jobs", "update-job-priority",
        "update-job-status", "get-job-tagging", "put-job-tagging", "delete-job-tagging",
    ],
)  # fmt: skip
def test_every_job_command_takes_both_options(s3bo, command):
    help_text = s3bo(command, "--help").stdout
    assert "--cli-input-json" in help_text and "--generate-cli-skeleton" in help_text
    assert s3bo(command, "--generate-cli-skeleton").exit_code == 0


def test_requests_from_json_with_options_winning(s3bo, make_job, tmp_path):
    job_id = make_job()
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"JobId": job_id, "Priority": 5}))
    run = s3bo("update-job-priority", "--cli-input-json", f"file://{path}", "--priority", "7")
    assert run.json == {"JobId": job_id, "Priority": 7}
    body = json.dumps({"JobId": job_id, "Tags": [{"Key": "a", "Value": "b"}]})
    assert s3bo("put-job-tagging", "--cli-input-json", body).exit_code == 0
    assert s3bo("get-job-tagging", "--cli-input-json", json.dumps({"JobId": job_id})).json == {
        "Tags": [{"Key": "a", "Value": "b"}]
    }
    body = json.dumps({"JobId": job_id, "RequestedJobStatus": "Cancelled"})
    assert s3bo("update-job-status", "--cli-input-json", body).json["Status"] == "Cancelled"
    listed = s3bo("list-jobs", "--cli-input-json", '{"JobStatuses": ["Cancelled"]}').json
    assert [j["JobId"] for j in listed["Jobs"]] == [job_id]


def test_what_neither_gives_is_required(s3bo):
    run = s3bo("update-job-status", "--cli-input-json", '{"RequestedJobStatus": "Ready"}')
    assert run.exit_code == 252
    assert "the following arguments are required: --job-id" in run.stderr
    run = s3bo("describe-job")
    assert run.exit_code == 252 and "--job-id" in run.stderr
