"""Invalid requests: what clients catch before sending, and what the service refuses."""

from __future__ import annotations

import pytest

from s3bo_cli.errors import (
    BadRequestException,
    InvalidRequestException,
    ParamValidationError,
)
from tests.conformance.drivers import Driver


class TestCaughtBeforeSending:
    """botocore's checks (required, types, minimums, unknown members)."""

    def test_a_missing_required_member(self, api: Driver):
        with pytest.raises(ParamValidationError, match="RoleArn"):
            api.call("CreateJob", **api.job_params(RoleArn=None))

    def test_a_negative_priority(self, api: Driver):
        with pytest.raises(ParamValidationError, match="Priority"):
            api.call("CreateJob", **api.job_params(Priority=-1))

    def test_a_job_id_shorter_than_five_characters(self, api: Driver):
        with pytest.raises(ParamValidationError, match="JobId"):
            api.call("DescribeJob", JobId="abc")

    def test_an_unknown_operation_member(self, api: Driver):
        with pytest.raises(ParamValidationError, match="S3Bogus"):
            api.call("CreateJob", **api.job_params(Operation={"S3Bogus": {}}))

    def test_a_report_without_enabled(self, api: Driver):
        with pytest.raises(ParamValidationError, match="Enabled"):
            api.call("CreateJob", **api.job_params(Report={}))


class TestRefusedByTheService:
    """What only the service checks: patterns, maximums, enums, cross-member rules."""

    def test_two_operations_in_one_job(self, api: Driver):
        operation = {"S3DeleteObjectTagging": {}, "S3ReplicateObject": {}}
        with pytest.raises(BadRequestException):
            api.create(Operation=operation)

    def test_a_role_arn_that_is_not_a_role(self, api: Driver):
        with pytest.raises(BadRequestException):
            api.create(RoleArn=f"arn:aws:iam::{api.account}:user/someone")

    def test_a_description_over_256_characters(self, api: Driver):
        with pytest.raises(BadRequestException):
            api.create(Description="x" * 257)

    def test_an_enabled_report_without_a_bucket(self, api: Driver):
        with pytest.raises(BadRequestException):
            api.create(Report={"Enabled": True, "Format": "Report_CSV_20180820"})

    def test_list_jobs_refuses_more_than_1000_results(self, api: Driver):
        with pytest.raises(InvalidRequestException):
            api.call("ListJobs", MaxResults=1001)

    def test_list_jobs_refuses_an_unknown_status(self, api: Driver):
        with pytest.raises(InvalidRequestException):
            api.call("ListJobs", JobStatuses=["Bogus"])
