"""Per-task CloudTrail data events, for jobs tagged s3bo:data-events=true."""

from __future__ import annotations

import json

from tests.events.conftest import read_events

OPT_IN = [("s3bo:data-events", "true")]


def test_one_data_event_per_task(make_job, run_worker, ns_dir):
    job_id = make_job(keys=["a", "b c"], missing=["gone"], tags=OPT_IN)
    run_worker()
    records = read_events(ns_dir / "data-events.jsonl")
    assert len(records) == 3
    by_key = {r["requestParameters"]["key"]: r for r in records}
    assert set(by_key) == {"a", "b c", "gone"}  # keys decoded, as S3 logs them
    for record in records:
        assert record["eventName"] == "PutObjectTagging"
        assert record["eventSource"] == "s3.amazonaws.com"
        assert record["eventType"] == "AwsApiCall"
        assert record["eventCategory"] == "Data"
        assert record["managementEvent"] is False
        assert record["requestParameters"]["bucketName"] == "photos"
        assert record["additionalEventData"]["jobId"] == job_id
        assert record["userIdentity"]["invokedBy"] == "batchoperations.s3.amazonaws.com"
    assert "errorCode" not in by_key["a"]
    assert by_key["gone"]["errorCode"] == "NoSuchKey"
    assert by_key["gone"]["additionalEventData"]["httpStatusCode"] == 404
    assert by_key["b c"]["resources"][0] == {
        "type": "AWS::S3::Object",
        "ARN": "arn:aws:s3:::photos/b c",
    }


def test_version_ids_are_recorded(make_job, run_worker, ns_dir, store):
    make_job(keys=["v"], tags=OPT_IN, versions=True)
    run_worker()
    [record] = read_events(ns_dir / "data-events.jsonl")
    assert record["requestParameters"]["versionId"] == store.head_object("photos", "v").version_id


def test_jobs_that_did_not_opt_in_log_none(make_job, run_worker, ns_dir):
    make_job(tags=[("s3bo:data-events", "false")])
    make_job(keys=["x"])
    run_worker()
    assert not (ns_dir / "data-events.jsonl").exists()


def test_events_command_shows_them_on_request(s3bo, make_job, run_worker):
    job_id = make_job(keys=["a"], missing=["gone"], tags=OPT_IN)
    run_worker()
    plain = [json.loads(line) for line in s3bo("events", job_id).stdout.splitlines()]
    assert all("serviceEventDetails" in r for r in plain)
    run = s3bo("events", job_id, "--data-events")
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(records) == len(plain) + 2
    data = [r for r in records if r.get("eventCategory") == "Data"]
    assert {r["requestParameters"]["key"] for r in data} == {"a", "gone"}
    wrapped = [
        json.loads(line)
        for line in s3bo("events", "--data-events", "--eventbridge").stdout.splitlines()
    ]
    assert {w["detail-type"] for w in wrapped} == {
        "AWS Service Event via CloudTrail",
        "AWS API Call via CloudTrail",
    }
    text = s3bo("--output", "text", "events", job_id, "--data-events").stdout
    assert "PutObjectTagging s3://photos/gone\tFailed\tNoSuchKey" in text


def test_data_events_option_instead_of_a_tag(make_job, run_worker, ns_dir):
    make_job(keys=["a"], options=("--data-events",))
    run_worker()
    records = read_events(ns_dir / "data-events.jsonl")
    assert [r["requestParameters"]["key"] for r in records] == ["a"]
