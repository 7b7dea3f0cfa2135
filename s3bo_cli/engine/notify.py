"""Job events beyond the log: per-task data events, webhooks, reading the logs back.

Both extras are opted into per job with job tags, so they are recorded when
the job is created (and shown by get-job-tagging) whatever the front end:

* ``s3bo:data-events=true``: one CloudTrail data-event record per task,
  appended to ``<namespace>/data-events.jsonl``;
* ``s3bo:notify-url=http://host:port/path``: the worker POSTs each of the
  job's status-change events as JSON, in the EventBridge envelope, from a
  background thread (bounded retries with back-off; it never holds up tasks).

Webhook delivery follows the namespace's ``events.jsonl`` with a cursor
(``notify-cursor.json``), so events the CLI writes (JobCreated, a
confirmation, a cancellation) go out too, the next time the worker changes
a job's status in that namespace; an event not delivered before the worker
exits is sent by the next worker (at least once; ``id`` is stable).
"""

from __future__ import annotations

import atexit
import heapq
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from s3bo_cli import clock, logs
from s3bo_cli.engine import events
from s3bo_cli.engine.tasklog import FAILED, TaskResult
from s3bo_cli.errors import NotFoundException, StateError
from s3bo_cli.state.files import SCHEMA_VERSION, read_json, write_json
from s3bo_cli.state.layout import Namespace

DATA_EVENTS_TAG = "s3bo:data-events"
NOTIFY_URL_TAG = "s3bo:notify-url"
EVENTS_FILE = "events.jsonl"
DATA_EVENTS_FILE = "data-events.jsonl"
CURSOR_FILE = "notify-cursor.json"
STATUS_EVENTS = frozenset({"JobCreated", "JobStatusChanged"})
TERMINAL_STATUSES = frozenset({"Complete", "Failed", "Cancelled"})

#: Seconds to wait before each retry of a webhook POST (so 4 attempts in all).
BACKOFF = (0.2, 0.5, 1.0)
POST_TIMEOUT = 5.0
#: How long an exiting worker waits for webhook deliveries still under way.
EXIT_WAIT = 10.0

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


def tag(record: dict[str, Any], key: str) -> str | None:
    """The value of one of the job's tags."""
    for item in record.get("tags") or ():
        if item.get("Key") == key:
            return str(item.get("Value", ""))
    return None


def _enabled(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes", "on")


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


# -- data events -------------------------------------------------------------------


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
    wanted = record.get("engine", {}).get("data_events") or _enabled(tag(record, DATA_EVENTS_TAG))
    if not wanted:
        return None
    job = record["job"]
    operation = next(iter(job["Operation"]))
    event_name = API_CALLS.get(operation, operation.removeprefix("S3"))
    path = ns.root / DATA_EVENTS_FILE

    def write(result: TaskResult) -> None:
        event = data_event(
            result, job=job, event_name=event_name, region=ns.region, account_id=ns.account_id
        )
        events.append(path, event)

    return write


# -- reading the logs ----------------------------------------------------------------


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


# -- webhooks ------------------------------------------------------------------------


def post(url: str, payload: dict[str, Any]) -> None:
    """POST ``payload`` as JSON; retry connection errors, 429 and 5xx with back-off.

    Raises the last error once every attempt failed, or at once on another 4xx.
    """
    import urllib.error
    import urllib.request

    from s3bo_cli import __version__

    body = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": f"s3bo/{__version__}"}
    for attempt, delay in enumerate((*BACKOFF, None)):
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=POST_TIMEOUT) as response:
                response.read()
            return
        except urllib.error.HTTPError as exc:
            retry = exc.code == 429 or exc.code >= 500
            if not retry or delay is None:
                raise
        except (urllib.error.URLError, OSError):
            if delay is None:
                raise
        logs.get().debug("webhook %s: attempt %d failed; retrying", url, attempt + 1)
        time.sleep(delay)


def _url(record: dict[str, Any]) -> str | None:
    url = record.get("engine", {}).get("notify_url") or tag(record, NOTIFY_URL_TAG)
    return url if url and url.startswith(("http://", "https://")) else None


class Notifier:
    """Delivers namespaces' status events to their jobs' webhooks, on one thread."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: list[Namespace] = []
        self._busy = False
        self._active: set[Namespace] = set()
        self._thread: threading.Thread | None = None

    def status_changed(self, ns: Namespace, record: dict[str, Any]) -> None:
        """Called after a status change: deliver what is new, if anyone listens."""
        if ns not in self._active:
            if _url(record) is None and not (ns.root / CURSOR_FILE).exists():
                return
            self._active.add(ns)
        with self._cond:
            if ns not in self._pending:
                self._pending.append(ns)
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="s3bo-notify", daemon=True)
                self._thread.start()
                atexit.register(self.drain, EXIT_WAIT)
            self._cond.notify_all()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every delivery asked for is done; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _serve(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._pending))
                ns = self._pending.pop(0)
                self._busy = True
            try:
                deliver(ns)
            except Exception:  # never let a broken log or state file kill the thread
                logs.get().warning("webhook delivery for %s failed", ns.root, exc_info=True)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


def deliver(ns: Namespace) -> None:
    """POST the namespace's status events not yet delivered to their jobs' webhooks."""
    cursor = ns.root / CURSOR_FILE
    try:
        offset = int(read_json(cursor, kind="notify-cursor").get("offset", 0))
    except (FileNotFoundError, StateError, ValueError):
        offset = 0
    tail = LogTail(ns.root / EVENTS_FILE, offset)
    urls: dict[str, str | None] = {}
    for event in tail.read():
        job_id = job_id_of(event)
        if event.get("eventName") not in STATUS_EVENTS or not job_id:
            continue
        if job_id not in urls:
            urls[job_id] = _job_url(ns, job_id)
        url = urls[job_id]
        if url is not None:
            _send(url, event)
            _save_cursor(cursor, tail.offset)
    if tail.offset != offset or not cursor.exists():
        _save_cursor(cursor, tail.offset)


def _save_cursor(path: Path, offset: int) -> None:
    write_json(path, {"kind": "notify-cursor", "schema_version": SCHEMA_VERSION, "offset": offset})


def _job_url(ns: Namespace, job_id: str) -> str | None:
    from s3bo_cli.engine.jobstore import JobStore

    try:
        return _url(JobStore(ns).load(job_id))
    except (NotFoundException, StateError):
        return None


def _send(url: str, event: dict[str, Any]) -> None:
    try:
        post(url, eventbridge(event))
    except Exception as exc:  # give up on this event; the worker carries on
        logs.get().warning("webhook %s: event %s not delivered: %s", url, event.get("eventID"), exc)


NOTIFIER = Notifier()
