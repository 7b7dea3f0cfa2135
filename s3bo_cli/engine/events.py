"""CloudTrail-shaped events for job creation and every status change: writing and
reading them back.

Appended, one JSON line each, to ``<namespace>/events.jsonl`` (and, for jobs that
opted in, per-task data events to ``data-events.jsonl``).
"""

from __future__ import annotations

import heapq
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from s3bo_cli import logs
from s3bo_cli.state import jsonl
from s3bo_cli.state.layout import Namespace

EVENTS_FILE = "events.jsonl"
DATA_EVENTS_FILE = "data-events.jsonl"


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
    jsonl.append(path, event)


def eventbridge(record: dict[str, Any]) -> dict[str, Any]:
    """A CloudTrail record in the envelope EventBridge delivers it in."""
    service = record.get("eventType") == "AwsServiceEvent"
    return {
        "version": "0",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"s3bo-event:{record.get('eventID')}")),
        "detail-type": "AWS Service Event via CloudTrail"
        if service
        else "AWS API Call via CloudTrail",
        "source": "aws.s3",
        "account": record.get("recipientAccountId"),
        "time": record.get("eventTime"),
        "region": record.get("awsRegion"),
        "resources": [],
        "detail": record,
    }


def job_id_of(record: dict[str, Any]) -> str | None:
    """The job an event belongs to (status events and s3bo's data events)."""
    details = record.get("serviceEventDetails") or record.get("additionalEventData") or {}
    return details.get("jobId")


class LogTail:
    """Whole JSON lines appended to one file, read from where the last read stopped."""

    def __init__(self, path: Path, offset: int = 0) -> None:
        self.path = path
        self.offset = offset

    def read(self) -> Iterator[dict[str, Any]]:
        """The complete records written since the last read (a half-written one waits)."""
        try:
            fh = self.path.open("rb")
        except FileNotFoundError:
            return
        with fh:
            fh.seek(self.offset)
            for raw in fh:
                if not raw.endswith(b"\n"):
                    return
                self.offset += len(raw)
                try:
                    yield json.loads(raw)
                except ValueError:
                    logs.get().warning("%s: skipped a line that is not JSON", self.path)


class EventLog:
    """A namespace's status events, with its data events if asked, in time order."""

    def __init__(self, ns: Namespace, *, data_events: bool = False) -> None:
        self.tails = [LogTail(ns.root / EVENTS_FILE)]
        if data_events:
            self.tails.append(LogTail(ns.root / DATA_EVENTS_FILE))

    def read(self) -> Iterator[dict[str, Any]]:
        """Every record added since the last read."""
        return heapq.merge(*(t.read() for t in self.tails), key=lambda e: e.get("eventTime", ""))
