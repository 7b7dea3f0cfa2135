"""Per-task CloudTrail data events, for jobs that opt in.

A job opts in with ``create-job --data-events`` (recorded in its engine settings) or
with the job tag ``s3bo:data-events=true``; each task then appends one record to
``<namespace>/data-events.jsonl``, shown by ``s3bo events --data-events``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from s3bo_cli import clock
from s3bo_cli.engine import events
from s3bo_cli.engine.jobstore import job_tag
from s3bo_cli.engine.tasklog import FAILED, TaskResult
from s3bo_cli.state.layout import Namespace

DATA_EVENTS_TAG = "s3bo:data-events"

#: The S3 API call each operation makes per task (CloudTrail's eventName).
API_CALLS = {
    "S3PutObjectTagging": "PutObjectTagging",
    "S3DeleteObjectTagging": "DeleteObjectTagging",
    "S3PutObjectCopy": "CopyObject",
    "S3PutObjectAcl": "PutObjectAcl",
    "S3InitiateRestoreObject": "RestoreObject",
    "S3PutObjectRetention": "PutObjectRetention",
    "S3PutObjectLegalHold": "PutObjectLegalHold",
    "S3ReplicateObject": "ReplicateObject",
    "S3ComputeObjectChecksum": "GetObject",
    "S3UpdateObjectEncryption": "CopyObject",
    "LambdaInvoke": "Invoke",
}


def _enabled(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes", "on")


def data_event(
    result: TaskResult, *, job: dict[str, Any], event_name: str, region: str, account_id: str
) -> dict[str, Any]:
    """The CloudTrail data-event record of one task (the object is the manifest's)."""
    from urllib.parse import unquote_plus

    key = unquote_plus(result.key)
    parameters: dict[str, Any] = {"bucketName": result.bucket, "key": key}
    if result.version_id:
        parameters["versionId"] = result.version_id
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": job.get("RoleArn"),
            "accountId": account_id,
            "invokedBy": "batchoperations.s3.amazonaws.com",
        },
        "eventTime": clock.now_iso()[:19] + "Z",
        "eventSource": "lambda.amazonaws.com" if event_name == "Invoke" else "s3.amazonaws.com",
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": "batchoperations.s3.amazonaws.com",
        "userAgent": "batchoperations.s3.amazonaws.com",
        "requestParameters": parameters,
        "responseElements": None,
        "additionalEventData": {"jobId": job["JobId"], "httpStatusCode": result.http_status},
        "requestID": uuid.uuid4().hex[:16].upper(),
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "resources": [
            {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{result.bucket}/{key}"},
            {
                "accountId": account_id,
                "type": "AWS::S3::Bucket",
                "ARN": f"arn:aws:s3:::{result.bucket}",
            },
        ],
        "eventType": "AwsApiCall",
        "managementEvent": False,
        "recipientAccountId": account_id,
        "eventCategory": "Data",
    }
    if result.status == FAILED:
        record["errorCode"] = result.error_code
        record["errorMessage"] = result.message
    return record


def task_events(ns: Namespace, record: dict[str, Any]) -> Callable[[TaskResult], None] | None:
    """A per-task data-event writer for the job, or None when it did not opt in."""
    wanted = record.get("engine", {}).get("data_events") or _enabled(
        job_tag(record, DATA_EVENTS_TAG)
    )
    if not wanted:
        return None
    job = record["job"]
    operation = next(iter(job["Operation"]))
    event_name = API_CALLS.get(operation, operation.removeprefix("S3"))
    path = ns.root / events.DATA_EVENTS_FILE

    def write(result: TaskResult) -> None:
        event = data_event(
            result, job=job, event_name=event_name, region=ns.region, account_id=ns.account_id
        )
        events.append(path, event)

    return write
