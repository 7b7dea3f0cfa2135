"""Responses shaped like the ones in s3control-jobs.md §6 and §11.5."""

from __future__ import annotations

from typing import Any


def describe_job(**overrides: Any) -> dict[str, Any]:
    job: dict[str, Any] = {
        "JobId": "abcdef",
        "ConfirmationRequired": False,
        "Description": "demo job",
        "JobArn": "arn:aws:s3:us-west-2:123456789012:job/abcdef",
        "Status": "Complete",
        "Manifest": {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {
                "ObjectArn": "arn:aws:s3:::mybucket/manifest.csv",
                "ETag": "69f52a4e9f797e987155d9c8f5880897",
            },
        },
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "confidential", "Value": "true"}]}},
        "Priority": 42,
        "ProgressSummary": {
            "TotalNumberOfTasks": 8,
            "NumberOfTasksSucceeded": 7,
            "NumberOfTasksFailed": 1,
            "Timers": {"ElapsedTimeInActiveSeconds": 13},
        },
        "FailureReasons": [{"FailureCode": "Code1", "FailureReason": "Reason1"}],
        "Report": {
            "Bucket": "arn:aws:s3:::reports",
            "Format": "Report_CSV_20180820",
            "Enabled": True,
            "Prefix": "pfx",
            "ReportScope": "AllTasks",
        },
        "CreationTime": "2019-10-03T21:48:48.048Z",
        "TerminationDate": "2019-10-03T21:49:53.944Z",
        "RoleArn": "arn:aws:iam::123456789012:role/S3BatchJobRole",
    }
    job.update(overrides)
    return {"Job": job}


def list_jobs() -> dict[str, Any]:
    return {
        "NextToken": "tok123",
        "Jobs": [
            {
                "JobId": "job-1",
                "Description": "d1",
                "Operation": "S3PutObjectTagging",
                "Priority": 42,
                "Status": "Complete",
                "CreationTime": "2019-10-03T21:48:48.048Z",
                "TerminationDate": "2019-10-03T21:49:53.944Z",
                "ProgressSummary": {
                    "TotalNumberOfTasks": 8,
                    "NumberOfTasksSucceeded": 8,
                    "NumberOfTasksFailed": 0,
                    "Timers": {"ElapsedTimeInActiveSeconds": 5},
                },
            },
            {
                "JobId": "job-2",
                "Operation": "LambdaInvoke",
                "Priority": 10,
                "Status": "Active",
                "CreationTime": "2019-10-04T01:02:03.000Z",
                "ProgressSummary": {
                    "TotalNumberOfTasks": 100,
                    "NumberOfTasksSucceeded": 50,
                    "NumberOfTasksFailed": 2,
                },
            },
        ],
    }
