"""CreateJob, DescribeJob, ListJobs, UpdateJobPriority, UpdateJobStatus on every path."""

from __future__ import annotations

import re
import uuid

import pytest

from s3bo_cli.backends.paging import list_all_jobs
from s3bo_cli.errors import (
    BadRequestException,
    IdempotencyException,
    InvalidNextTokenException,
    JobStatusException,
    NotFoundException,
)
from tests.conformance.drivers import BEFORE_CONFIRMATION, Driver

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LIST_FIELDS = {
    "JobId",
    "Description",
    "Operation",
    "Priority",
    "Status",
    "CreationTime",
    "TerminationDate",
    "ProgressSummary",
}


def our_jobs(api: Driver, **params: object) -> list[dict]:
    """ListJobs (every page), restricted to the jobs this test created."""
    listed = list_all_jobs(api, {"AccountId": api.account, **params})["Jobs"]
    return [job for job in listed if job["JobId"] in api.created]


class TestCreateAndDescribe:
    def test_describe_returns_the_request_and_the_service_fields(self, api: Driver):
        params = api.job_params(Priority=42, Description="conformance: describe")
        job_id = api.call("CreateJob", **params)["JobId"]
        assert re.fullmatch(r"[a-zA-Z0-9\-_]{5,36}", job_id)

        job = api.call("DescribeJob", JobId=job_id)["Job"]
        assert job["JobId"] == job_id
        assert job["JobArn"].endswith(f":{api.account}:job/{job_id}")
        assert job["JobArn"].startswith("arn:aws:s3:")
        for member in ("Operation", "Manifest", "Report", "Priority", "RoleArn", "Description"):
            assert job[member] == params[member], member
        assert job["ConfirmationRequired"] is True
        assert job["Status"] in BEFORE_CONFIRMATION
        assert ISO_MS.match(job["CreationTime"])
        assert set(job["ProgressSummary"]) >= {
            "TotalNumberOfTasks",
            "NumberOfTasksSucceeded",
            "NumberOfTasksFailed",
        }
        assert job["FailureReasons"] == []

    def test_confirmation_required_false_is_kept(self, api: Driver):
        job_id = api.create(ConfirmationRequired=False)
        assert api.call("DescribeJob", JobId=job_id)["Job"]["ConfirmationRequired"] is False
        api.call("UpdateJobStatus", JobId=job_id, RequestedJobStatus="Cancelled")

    def test_confirmation_required_omitted_means_required(self, api: Driver):
        job_id = api.create(ConfirmationRequired=None)
        assert api.call("DescribeJob", JobId=job_id)["Job"]["ConfirmationRequired"] is True

    def test_an_unknown_job_is_not_found(self, api: Driver):
        with pytest.raises(NotFoundException):
            api.call("DescribeJob", JobId=str(uuid.uuid4()))


class TestIdempotency:
    def test_the_same_token_and_request_return_the_same_job(self, api: Driver):
        params = api.job_params(ClientRequestToken=f"conformance-{uuid.uuid4()}")
        first = api.call("CreateJob", **params)["JobId"]
        assert api.call("CreateJob", **params)["JobId"] == first

    def test_the_same_token_with_another_request_is_refused(self, api: Driver):
        token = f"conformance-{uuid.uuid4()}"
        api.create(ClientRequestToken=token, Priority=10)
        with pytest.raises(IdempotencyException):
            api.create(ClientRequestToken=token, Priority=11)


class TestListJobs:
    def test_lists_job_summaries_only(self, api: Driver):
        job_id = api.given_job(Description="conformance: list")
        (job,) = our_jobs(api)
        assert job["JobId"] == job_id
        assert set(job) <= LIST_FIELDS
        assert job["Operation"] == "S3PutObjectTagging"
        assert (job["Priority"], job["Description"]) == (10, "conformance: list")
        assert job["Status"] in BEFORE_CONFIRMATION

    def test_filters_by_status(self, api: Driver):
        kept, cancelled = api.given_job(), api.given_job()
        api.call("UpdateJobStatus", JobId=cancelled, RequestedJobStatus="Cancelled")
        assert [j["JobId"] for j in our_jobs(api, JobStatuses=["Cancelled"])] == [cancelled]
        statuses = sorted(BEFORE_CONFIRMATION)
        assert [j["JobId"] for j in our_jobs(api, JobStatuses=statuses)] == [kept]
        assert {j["JobId"] for j in our_jobs(api, JobStatuses=["Cancelled", *statuses])} == {
            kept,
            cancelled,
        }

    def test_pages_follow_next_token_without_gaps_or_repeats(self, api: Driver):
        created = {api.given_job() for _ in range(3)}
        page = api.call("ListJobs", MaxResults=1)
        assert len(page["Jobs"]) == 1
        assert page["NextToken"]
        seen = [
            job["JobId"]
            for job in list_all_jobs(api, {"AccountId": api.account, "MaxResults": 1})["Jobs"]
        ]
        assert len(seen) == len(set(seen))
        assert created <= set(seen)

    def test_an_empty_page_still_has_a_jobs_list(self, api: Driver):
        if api.name == "aws":
            pytest.skip("a real account may hold jobs of any status")
        assert api.call("ListJobs", JobStatuses=["Complete"]) == {"Jobs": []}

    def test_a_made_up_next_token_is_refused(self, api: Driver):
        with pytest.raises(InvalidNextTokenException):
            api.call("ListJobs", NextToken="bm90LWEtdG9rZW4")


class TestUpdateJobPriority:
    def test_changes_the_priority(self, api: Driver):
        job_id = api.given_job(Priority=10)
        result = api.call("UpdateJobPriority", JobId=job_id, Priority=77)
        assert result == {"JobId": job_id, "Priority": 77}
        assert api.call("DescribeJob", JobId=job_id)["Job"]["Priority"] == 77

    def test_an_unknown_job_is_not_found(self, api: Driver):
        with pytest.raises(NotFoundException):
            api.call("UpdateJobPriority", JobId=str(uuid.uuid4()), Priority=1)

    def test_above_the_maximum_is_refused_by_the_service(self, api: Driver):
        job_id = api.given_job()
        with pytest.raises(BadRequestException):
            api.call("UpdateJobPriority", JobId=job_id, Priority=2147483648)


class TestUpdateJobStatus:
    def test_cancelling_a_waiting_job_cancels_it_with_the_reason(self, api: Driver):
        job_id = api.given_job()
        result = api.call(
            "UpdateJobStatus",
            JobId=job_id,
            RequestedJobStatus="Cancelled",
            StatusUpdateReason="conformance: not needed",
        )
        assert result["JobId"] == job_id
        assert result["Status"] in ("Cancelled", "Cancelling")
        assert result["StatusUpdateReason"] == "conformance: not needed"
        job = api.call("DescribeJob", JobId=job_id)["Job"]
        assert job["StatusUpdateReason"] == "conformance: not needed"
        if job["Status"] == "Cancelled":
            assert ISO_MS.match(job["TerminationDate"])

    def test_an_ended_job_cannot_be_cancelled_or_confirmed(self, api: Driver):
        job_id = api.given_job()
        api.call("UpdateJobStatus", JobId=job_id, RequestedJobStatus="Cancelled")
        if api.status(job_id) != "Cancelled":
            pytest.skip("the job is still cancelling")
        for requested in ("Cancelled", "Ready"):
            with pytest.raises(JobStatusException):
                api.call("UpdateJobStatus", JobId=job_id, RequestedJobStatus=requested)

    def test_a_suspended_job_is_confirmed_with_ready(self, api: Driver):
        job_id = api.given_job()
        assert api.settle(job_id) == "Suspended"
        job = api.call("DescribeJob", JobId=job_id)["Job"]
        assert ISO_MS.match(job["SuspendedDate"])
        assert job["SuspendedCause"]
        result = api.call("UpdateJobStatus", JobId=job_id, RequestedJobStatus="Ready")
        assert (result["JobId"], result["Status"]) == (job_id, "Ready")
        api.call("UpdateJobStatus", JobId=job_id, RequestedJobStatus="Cancelled")

    def test_an_unknown_status_is_refused_by_the_service(self, api: Driver):
        job_id = api.given_job()
        with pytest.raises(BadRequestException):
            api.call("UpdateJobStatus", JobId=job_id, RequestedJobStatus="Paused")

    def test_an_unknown_job_is_not_found(self, api: Driver):
        with pytest.raises(NotFoundException):
            api.call("UpdateJobStatus", JobId=str(uuid.uuid4()), RequestedJobStatus="Cancelled")
