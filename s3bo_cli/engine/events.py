"""CloudTrail-shaped events for job creation and every status change.

Appended, one JSON line each, to ``<namespace>/events.jsonl``.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any


def status_event(
    job: dict[str, Any], *, name: str, account_id: str, region: str, now: str
) -> dict[str, Any]:
    """A ``JobCreated``/``JobStatusChanged`` record as CloudTrail logs it."""
    return {
        "eventVersion": "1.05",
        "userIdentity": {"accountId": account_id, "invokedBy": "s3.amazonaws.com"},
        "eventTime": now[:19] + "Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "s3.amazonaws.com",
        "userAgent": "s3.amazonaws.com",
        "requestParameters": None,
        "responseElements": None,
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsServiceEvent",
        "recipientAccountId": account_id,
        "serviceEventDetails": {
            "jobId": job["JobId"],
            "jobArn": job["JobArn"],
            "status": job["Status"],
            "jobEventId": uuid.uuid4().hex,
            "failureCodes": [r["FailureCode"] for r in job.get("FailureReasons", [])],
            "statusChangeReason": [job["StatusUpdateReason"]]
            if job.get("StatusUpdateReason")
            else [],
        },
    }


def append(path: Path, event: dict[str, Any]) -> None:
    """Append one event as a single write, so concurrent writers never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(event, separators=(",", ":")) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
